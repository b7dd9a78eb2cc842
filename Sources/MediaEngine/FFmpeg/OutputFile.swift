import CFFmpeg
import Glibc
import MediaModel

/// A container file being written, with one encoder per stream. Written under
/// a temporary path; the caller renames it into place only after `finish()`.
///
/// Ownership: the file owns its format context and its encoders; each
/// `FrameEncoder` owns its codec context and refers back to the file unowned.
final class OutputFile {
    let context: UnsafeMutablePointer<AVFormatContext>
    let path: String
    private(set) var encoders: [FrameEncoder] = []

    init(temporaryPath: String, container: String) throws(MediaError) {
        var context: UnsafeMutablePointer<AVFormatContext>?
        guard avformat_alloc_output_context2(&context, nil, container, temporaryPath) >= 0, let context else {
            throw .engine("no \(container) muxer")
        }
        self.context = context
        path = temporaryPath
    }

    deinit {
        if context.pointee.pb != nil { avio_closep(&context.pointee.pb) }
        avformat_free_context(context)
    }

    /// Adds a stream encoded by `codecName`; `configure` sets the codec
    /// context's fields before it opens, `options` are the encoder's private
    /// options (`crf`, `preset`).
    func addEncoder(
        _ codecName: String,
        options: [String: String] = [:],
        configure: (UnsafeMutablePointer<AVCodecContext>) -> Void
    ) throws(MediaError) -> FrameEncoder {
        let encoder = try FrameEncoder(file: self, codecName: codecName, options: options, configure: configure)
        encoders.append(encoder)
        return encoder
    }

    /// Opens the file and writes the header; `options` go to the muxer (`movflags`).
    func start(options: [String: String] = [:]) throws(MediaError) {
        let opening = avio_open(&context.pointee.pb, path, AVIO_FLAG_WRITE)
        guard opening >= 0 else { throw Self.failure(opening, "cannot write \(path)") }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        let header = avformat_write_header(context, &dictionary)
        guard header >= 0 else { throw Self.failure(header, "cannot start the output file") }
    }

    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws(MediaError) {
        let written = av_interleaved_write_frame(context, packet)
        guard written >= 0 else { throw Self.failure(written, "writing failed") }
    }

    /// Flushes every encoder and completes the file.
    func finish() throws(MediaError) {
        for encoder in encoders { try encoder.encode(nil) }
        let trailer = av_write_trailer(context)
        guard trailer >= 0 else { throw Self.failure(trailer, "cannot complete the file") }
        // Closing flushes what AVIO still buffers: a full disk may show only here.
        let closed = avio_closep(&context.pointee.pb)
        guard closed >= 0 else { throw Self.failure(closed, "cannot complete the file") }
    }

    /// A write's failure: a full disk (or quota) is `noSpace`, which the job retries; anything else is the engine's.
    static func failure(_ code: Int32, _ what: String) -> MediaError {
        let message = "\(what) (\(FFmpeg.describe(code)))"
        return code == -ENOSPC || code == -EDQUOT ? .noSpace(message) : .engine(message)
    }
}

/// One stream's encoder inside an `OutputFile`.
final class FrameEncoder {
    unowned let file: OutputFile
    let context: UnsafeMutablePointer<AVCodecContext>
    let stream: UnsafeMutablePointer<AVStream>
    private let packet: UnsafeMutablePointer<AVPacket>

    fileprivate init(
        file: OutputFile,
        codecName: String,
        options: [String: String],
        configure: (UnsafeMutablePointer<AVCodecContext>) -> Void
    ) throws(MediaError) {
        self.file = file
        guard let codec = avcodec_find_encoder_by_name(codecName) else { throw .engine("no \(codecName) encoder") }
        guard let context = avcodec_alloc_context3(codec) else { throw .engine("out of memory") }
        guard let packet = av_packet_alloc() else {
            var owned: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&owned)
            throw .engine("out of memory")
        }
        self.context = context
        self.packet = packet
        guard let stream = avformat_new_stream(file.context, nil) else { throw .engine("out of memory") }
        self.stream = stream

        configure(context)
        if file.context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            context.pointee.flags |= Int32(AV_CODEC_FLAG_GLOBAL_HEADER)
        }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        let opened = avcodec_open2(context, codec, &dictionary)
        guard opened >= 0 else { throw .engine("cannot open \(codecName) (\(FFmpeg.describe(opened)))") }
        guard avcodec_parameters_from_context(stream.pointee.codecpar, context) >= 0 else {
            throw .engine("cannot describe the \(codecName) stream")
        }
        stream.pointee.time_base = context.pointee.time_base
        stream.pointee.avg_frame_rate = context.pointee.framerate
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&context)
        var packet: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&packet)
    }

    /// Samples per frame the encoder wants (0 when it takes any size).
    var frameSize: Int32 { context.pointee.frame_size }

    /// Encodes a frame whose `pts` is in the encoder's time base (nil flushes),
    /// and writes the packets that come out.
    func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws(MediaError) {
        let sent = avcodec_send_frame(context, frame)
        guard sent >= 0 || sent == mc_averror_eof() else { throw .engine("encoding failed (\(FFmpeg.describe(sent)))") }
        while true {
            let received = avcodec_receive_packet(context, packet)
            if received == mc_averror(EAGAIN) || received == mc_averror_eof() { return }
            guard received >= 0 else { throw .engine("encoding failed (\(FFmpeg.describe(received)))") }
            packet.pointee.stream_index = stream.pointee.index
            av_packet_rescale_ts(packet, context.pointee.time_base, stream.pointee.time_base)
            defer { av_packet_unref(packet) }
            try file.write(packet)
        }
    }
}
