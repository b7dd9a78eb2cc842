import CFFmpeg
import Glibc
import MediaModel

/// The best stream of one type in an open input, with its decoder; frees the
/// decoder and its frame when released. The caller reads packets and hands
/// this decoder the ones whose `stream_index` is `index`.
final class StreamDecoder {
    let input: FormatInput
    let stream: UnsafeMutablePointer<AVStream>
    let context: UnsafeMutablePointer<AVCodecContext>
    private let frame: UnsafeMutablePointer<AVFrame>
    private let label: String

    /// - Parameter maxPixels: a frame larger than this is refused by the decoder itself,
    ///   whatever the container declared.
    init(input: FormatInput, type: AVMediaType, maxPixels: Int = MediaLimits().maxPixels) throws(MediaError) {
        self.input = input
        label = type == AVMEDIA_TYPE_VIDEO ? "video" : "audio"
        var codec: UnsafePointer<AVCodec>?
        let found = av_find_best_stream(input.context, type, -1, -1, &codec, 0)
        guard found >= 0, let codec, let stream = input.context.pointee.streams[Int(found)] else {
            throw .unreadable("the file has no \(label) stream we can decode")
        }
        // An MP3's cover picture is a "video" stream of one frame, not a video.
        guard stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0 else {
            throw .unreadable("the file has no \(label) stream we can decode")
        }
        let decoderName = String(cString: codec.pointee.name)
        guard DecoderPolicy.decoders.contains(decoderName) else {
            throw .unsupported("the \(label) is coded as \(decoderName), which Microcast does not take")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw .engine("out of memory") }
        guard let frame = av_frame_alloc() else {
            var owned: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&owned)
            throw .engine("out of memory")
        }
        self.stream = stream
        self.context = context
        self.frame = frame
        guard avcodec_parameters_to_context(context, stream.pointee.codecpar) >= 0 else {
            throw .unreadable("the \(label) stream's parameters are unusable")
        }
        context.pointee.pkt_timebase = stream.pointee.time_base
        // Frame threads let a 1080p decode keep up with the encoders.
        context.pointee.thread_count = 0
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        av_dict_set(&options, "codec_whitelist", FFmpeg.decoderList, 0)
        av_dict_set(&options, "max_pixels", String(maxPixels), 0)
        let opened = avcodec_open2(context, codec, &options)
        guard opened >= 0 else { throw .unreadable("cannot open the \(label) decoder (\(FFmpeg.describe(opened)))") }
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&context)
        var frame: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&frame)
    }

    var index: Int32 { stream.pointee.index }

    /// Sends a packet (nil flushes) and hands every decoded frame to `body`,
    /// with `pts` set to the best timestamp in the stream's time base.
    /// A damaged packet is skipped, as players do.
    func decode(
        _ packet: UnsafeMutablePointer<AVPacket>?,
        _ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void
    )
        throws(MediaError)
    {
        let sent = avcodec_send_packet(context, packet)
        if sent < 0 && sent != mc_averror(EAGAIN) && sent != mc_averror_eof() { return }
        while true {
            let received = avcodec_receive_frame(context, frame)
            if received == mc_averror(EAGAIN) || received == mc_averror_eof() { return }
            guard received >= 0 else { throw .unreadable("the \(label) cannot be decoded (\(FFmpeg.describe(received)))") }
            frame.pointee.pts = frame.pointee.best_effort_timestamp
            defer { av_frame_unref(frame) }
            try body(frame)
        }
    }
}
