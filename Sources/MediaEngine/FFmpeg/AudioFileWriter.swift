import CFFmpeg
import Foundation
import Glibc
import MediaModel

/// An audio file being written: one encoded stream in an `OutputFile`, plus
/// the tags, chapters and cover picture podcast apps read. Written under
/// `temporaryPath`; the caller renames it into place only after `finish()`.
public final class AudioFileWriter {
    private let file: OutputFile
    private let audio: FrameEncoder
    private var nextPTS: Int64 = 0

    /// What to write: container, codec, format, tags, chapters and cover.
    public struct Settings: Sendable {
        /// FFmpeg's muxer (`mp3`, `ipod`) and encoder (`libmp3lame`, `aac`).
        public var container: String
        public var codec: String
        public var sampleRate: Int
        public var channels: Int
        public var bitRate: Int
        public var metadata: [String: String]
        public var chapters: [MediaProbe.Chapter]
        public var muxerOptions: [String: String]
        public var codecOptions: [String: String]
        /// A JPEG written as the file's cover (ID3 APIC in MP3, `covr` in M4A).
        public var coverJPEG: Data?

        public init(
            container: String,
            codec: String,
            sampleRate: Int,
            channels: Int,
            bitRate: Int,
            metadata: [String: String],
            chapters: [MediaProbe.Chapter],
            muxerOptions: [String: String],
            codecOptions: [String: String] = [:],
            coverJPEG: Data? = nil
        ) {
            self.container = container
            self.codec = codec
            self.sampleRate = sampleRate
            self.channels = channels
            self.bitRate = bitRate
            self.metadata = metadata
            self.chapters = chapters
            self.muxerOptions = muxerOptions
            self.codecOptions = codecOptions
            self.coverJPEG = coverJPEG
        }
    }

    public init(temporaryPath: String, settings: Settings) throws(MediaError) {
        file = try OutputFile(temporaryPath: temporaryPath, container: settings.container)
        audio = try file.addEncoder(settings.codec, options: settings.codecOptions) { context in
            context.pointee.sample_rate = Int32(settings.sampleRate)
            av_channel_layout_default(&context.pointee.ch_layout, Int32(settings.channels))
            context.pointee.sample_fmt = context.pointee.codec?.pointee.sample_fmts?.pointee ?? AV_SAMPLE_FMT_FLTP
            context.pointee.bit_rate = Int64(settings.bitRate)
            context.pointee.time_base = AVRational(num: 1, den: Int32(settings.sampleRate))
        }
        for (key, value) in settings.metadata where !value.isEmpty {
            av_dict_set(&file.context.pointee.metadata, key, value, 0)
        }
        try addChapters(settings.chapters)
        let cover = try settings.coverJPEG.map { jpeg throws(MediaError) in try addCoverStream(jpeg) }
        try file.start(options: settings.muxerOptions)
        // The MP3 muxer holds audio back until every picture has been written.
        if let cover, let jpeg = settings.coverJPEG { try writeCover(jpeg, stream: cover) }
    }

    /// The sample format the encoder takes (`fltp`, `s16p`), for the filter graph that feeds it.
    public var sampleFormat: String {
        av_get_sample_fmt_name(audio.context.pointee.sample_fmt).map { String(cString: $0) } ?? "fltp"
    }

    /// Samples per frame the encoder wants (0 when it takes any size).
    public var frameSize: Int { Int(audio.frameSize) }

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
            var count = file.context.pointee.nb_chapters
            withUnsafeMutablePointer(to: &file.context.pointee.chapters) { list in
                list.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 1) { raw in
                    av_dynarray_add(raw, &count, entry)
                }
            }
            file.context.pointee.nb_chapters = count
        }
    }

    /// A still-picture stream marked as the attached cover.
    private func addCoverStream(_ jpeg: Data) throws(MediaError) -> UnsafeMutablePointer<AVStream> {
        guard let cover = avformat_new_stream(file.context, nil) else { throw .engine("out of memory") }
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
        try file.write(packet)
    }

    /// Encodes a frame (timed by the samples written so far), or flushes with nil.
    public func encode(_ frame: Frame?) throws(MediaError) {
        if let frame = frame?.pointer {
            frame.pointee.pts = nextPTS
            nextPTS += Int64(frame.pointee.nb_samples)
        }
        try audio.encode(frame?.pointer)
    }

    /// Flushes the encoder and completes the file.
    public func finish() throws(MediaError) {
        try file.finish()
    }
}
