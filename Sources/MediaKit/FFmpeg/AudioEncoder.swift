import CFFmpeg
import Foundation
import Glibc

/// An audio encoder writing into a new container file; frees everything when
/// released. The file is written under `temporaryPath`; the caller renames it
/// into place only after `finish()` succeeds.
final class AudioFileWriter {
    let output: UnsafeMutablePointer<AVFormatContext>
    let encoder: UnsafeMutablePointer<AVCodecContext>
    let stream: UnsafeMutablePointer<AVStream>
    private var nextPTS: Int64 = 0
    private var headerWritten = false

    struct Settings {
        var container: String
        var codec: String
        var sampleRate: Int32
        var channels: Int32
        var bitRate: Int
        var metadata: [String: String]
        var chapters: [MediaProbe.Chapter]
        var muxerOptions: [String: String]
        /// A JPEG written as the file's cover (ID3 APIC in MP3, `covr` in M4A).
        var coverJPEG: Data? = nil
    }

    init(temporaryPath: String, settings: Settings) throws(MediaError) {
        var output: UnsafeMutablePointer<AVFormatContext>?
        guard avformat_alloc_output_context2(&output, nil, settings.container, temporaryPath) >= 0, let output else {
            throw .engine("no \(settings.container) muxer")
        }
        self.output = output
        guard let codec = avcodec_find_encoder_by_name(settings.codec), let encoder = avcodec_alloc_context3(codec) else {
            avformat_free_context(output)
            throw .engine("no \(settings.codec) encoder")
        }
        self.encoder = encoder
        guard let stream = avformat_new_stream(output, nil) else {
            avformat_free_context(output)
            throw .engine("out of memory")
        }
        self.stream = stream

        encoder.pointee.sample_rate = settings.sampleRate
        av_channel_layout_default(&encoder.pointee.ch_layout, settings.channels)
        encoder.pointee.sample_fmt = codec.pointee.sample_fmts?.pointee ?? AV_SAMPLE_FMT_FLTP
        encoder.pointee.bit_rate = Int64(settings.bitRate)
        encoder.pointee.time_base = AVRational(num: 1, den: settings.sampleRate)
        if output.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            encoder.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER)
        }
        let opened = avcodec_open2(encoder, codec, nil)
        guard opened >= 0 else { throw .engine("cannot open \(settings.codec) (\(FFmpeg.describe(opened)))") }
        guard avcodec_parameters_from_context(stream.pointee.codecpar, encoder) >= 0 else {
            throw .engine("cannot describe the audio stream")
        }
        stream.pointee.time_base = encoder.pointee.time_base

        for (key, value) in settings.metadata where !value.isEmpty {
            av_dict_set(&output.pointee.metadata, key, value, 0)
        }
        try addChapters(settings.chapters)
        let cover = try settings.coverJPEG.map { jpeg throws(MediaError) in try addCoverStream(jpeg) }

        let opening = avio_open(&output.pointee.pb, temporaryPath, AVIO_FLAG_WRITE)
        guard opening >= 0 else { throw .engine("cannot write \(temporaryPath) (\(FFmpeg.describe(opening)))") }
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        for (key, value) in settings.muxerOptions { av_dict_set(&options, key, value, 0) }
        let header = avformat_write_header(output, &options)
        guard header >= 0 else { throw .engine("cannot start the \(settings.container) file (\(FFmpeg.describe(header)))") }
        headerWritten = true
        // The MP3 muxer holds audio back until every picture has been written.
        if let cover, let jpeg = settings.coverJPEG { try writeCover(jpeg, stream: cover) }
    }

    deinit {
        var encoder: UnsafeMutablePointer<AVCodecContext>? = encoder
        avcodec_free_context(&encoder)
        if output.pointee.pb != nil { avio_closep(&output.pointee.pb) }
        avformat_free_context(output)
    }

    /// Samples per frame the encoder wants (0 when it takes any size).
    var frameSize: Int32 { encoder.pointee.frame_size }

    /// Chapters become CHAP/CTOC frames in ID3v2 and a chapter track in MP4.
    private func addChapters(_ chapters: [MediaProbe.Chapter]) throws(MediaError) {
        guard !chapters.isEmpty else { return }
        let timeBase = AVRational(num: 1, den: 1000)
        for (index, chapter) in chapters.enumerated() {
            guard let entry = av_mallocz(MemoryLayout<AVChapter>.size)?.assumingMemoryBound(to: AVChapter.self) else {
                throw .engine("out of memory")
            }
            entry.pointee.id = Int64(index + 1)
            entry.pointee.time_base = timeBase
            entry.pointee.start = Int64((chapter.start * 1000).rounded())
            entry.pointee.end = Int64((chapter.end * 1000).rounded())
            if let title = chapter.title { av_dict_set(&entry.pointee.metadata, "title", title, 0) }
            var count = output.pointee.nb_chapters
            withUnsafeMutablePointer(to: &output.pointee.chapters) { list in
                list.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 1) { raw in
                    av_dynarray_add(raw, &count, entry)
                }
            }
            output.pointee.nb_chapters = count
        }
    }

    /// A still-picture stream marked as the attached cover.
    private func addCoverStream(_ jpeg: Data) throws(MediaError) -> UnsafeMutablePointer<AVStream> {
        guard let cover = avformat_new_stream(output, nil) else { throw .engine("out of memory") }
        cover.pointee.disposition = AV_DISPOSITION_ATTACHED_PIC
        cover.pointee.codecpar.pointee.codec_type = AVMEDIA_TYPE_VIDEO
        cover.pointee.codecpar.pointee.codec_id = AV_CODEC_ID_MJPEG
        av_dict_set(&cover.pointee.metadata, "title", "Cover", 0)
        av_dict_set(&cover.pointee.metadata, "comment", "Cover (front)", 0)
        cover.pointee.time_base = AVRational(num: 1, den: 90_000)
        guard let size = JPEGHeader([UInt8](jpeg)) else { throw .engine("the cover is not a JPEG") }
        cover.pointee.codecpar.pointee.width = Int32(size.width)
        cover.pointee.codecpar.pointee.height = Int32(size.height)
        return cover
    }

    private func writeCover(_ jpeg: Data, stream cover: UnsafeMutablePointer<AVStream>) throws(MediaError) {
        guard let packet = av_packet_alloc() else { throw .engine("out of memory") }
        var packetRef: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&packetRef) }
        guard av_new_packet(packet, Int32(jpeg.count)) >= 0 else { throw .engine("out of memory") }
        jpeg.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress { packet.pointee.data.update(from: base.assumingMemoryBound(to: UInt8.self), count: jpeg.count) }
        }
        packet.pointee.stream_index = cover.pointee.index
        packet.pointee.flags |= AV_PKT_FLAG_KEY
        packet.pointee.pts = 0
        packet.pointee.dts = 0
        let written = av_interleaved_write_frame(output, packet)
        guard written >= 0 else { throw .engine("cannot write the cover (\(FFmpeg.describe(written)))") }
    }

    /// Encodes a frame (nil flushes) and writes the packets that come out.
    func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws(MediaError) {
        if let frame {
            frame.pointee.pts = nextPTS
            nextPTS += Int64(frame.pointee.nb_samples)
        }
        let sent = avcodec_send_frame(encoder, frame)
        guard sent >= 0 || sent == mc_averror_eof() else { throw .engine("encoding failed (\(FFmpeg.describe(sent)))") }
        guard let packet = av_packet_alloc() else { throw .engine("out of memory") }
        var packetRef: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&packetRef) }
        while true {
            let received = avcodec_receive_packet(encoder, packet)
            if received == mc_averror(EAGAIN) || received == mc_averror_eof() { return }
            guard received >= 0 else { throw .engine("encoding failed (\(FFmpeg.describe(received)))") }
            packet.pointee.stream_index = stream.pointee.index
            av_packet_rescale_ts(packet, encoder.pointee.time_base, stream.pointee.time_base)
            let written = av_interleaved_write_frame(output, packet)
            guard written >= 0 else { throw .engine("writing failed (\(FFmpeg.describe(written)))") }
        }
    }

    /// Flushes the encoder and completes the file.
    func finish() throws(MediaError) {
        try encode(nil)
        let trailer = av_write_trailer(output)
        guard trailer >= 0 else { throw .engine("cannot complete the file (\(FFmpeg.describe(trailer)))") }
        avio_closep(&output.pointee.pb)
    }
}
