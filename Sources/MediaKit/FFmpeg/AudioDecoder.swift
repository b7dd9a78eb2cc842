import CFFmpeg
import Glibc

/// The best audio stream of an open input, with its decoder; frees both when released.
final class AudioDecoder {
    let input: FormatInput
    let streamIndex: Int32
    let context: UnsafeMutablePointer<AVCodecContext>

    init(input: FormatInput) throws(MediaError) {
        self.input = input
        var codec: UnsafePointer<AVCodec>?
        let index = av_find_best_stream(input.context, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0)
        guard index >= 0, let codec else { throw .unreadable("the file has no audio stream we can decode") }
        guard let context = avcodec_alloc_context3(codec) else { throw .engine("out of memory") }
        self.streamIndex = index
        self.context = context
        guard let stream = input.context.pointee.streams[Int(index)],
            avcodec_parameters_to_context(context, stream.pointee.codecpar) >= 0
        else { throw .unreadable("the audio stream's parameters are unusable") }
        context.pointee.pkt_timebase = stream.pointee.time_base
        let opened = avcodec_open2(context, codec, nil)
        guard opened >= 0 else { throw .unreadable("cannot open the audio decoder (\(FFmpeg.describe(opened)))") }
        guard context.pointee.sample_rate > 0, context.pointee.ch_layout.nb_channels > 0 else {
            throw .unreadable("the audio stream has no sample rate or channels")
        }
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&context)
    }

    var channels: Int { Int(context.pointee.ch_layout.nb_channels) }
    var sampleRate: Int32 { context.pointee.sample_rate }

    /// The `abuffer` arguments that describe decoded frames.
    var bufferArguments: String {
        var layout = [CChar](repeating: 0, count: 128)
        var channelLayout = context.pointee.ch_layout
        if channelLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&channelLayout, channelLayout.nb_channels)
        }
        av_channel_layout_describe(&channelLayout, &layout, layout.count)
        let format = av_get_sample_fmt_name(context.pointee.sample_fmt).map { String(cString: $0) } ?? "fltp"
        let layoutName = String(decoding: layout.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "time_base=1/\(sampleRate):sample_rate=\(sampleRate):sample_fmt=\(format):channel_layout=\(layoutName)"
    }

    /// Decodes every audio packet, handing each frame to `body`; then flushes.
    func decodeAll(_ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void) throws(MediaError) {
        guard let packet = av_packet_alloc(), let frame = av_frame_alloc() else { throw .engine("out of memory") }
        var packetRef: UnsafeMutablePointer<AVPacket>? = packet
        var frameRef: UnsafeMutablePointer<AVFrame>? = frame
        defer {
            av_packet_free(&packetRef)
            av_frame_free(&frameRef)
        }
        func drain() throws(MediaError) {
            while true {
                let received = avcodec_receive_frame(context, frame)
                if received == mc_averror(EAGAIN) || received == mc_averror_eof() { return }
                guard received >= 0 else { throw .unreadable("the audio cannot be decoded (\(FFmpeg.describe(received)))") }
                try body(frame)
                av_frame_unref(frame)
            }
        }
        while true {
            let read = av_read_frame(input.context, packet)
            if read == mc_averror_eof() { break }
            guard read >= 0 else { throw .unreadable("the file ends early or is damaged (\(FFmpeg.describe(read)))") }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            let sent = avcodec_send_packet(context, packet)
            // A damaged packet is skipped, as players do; a truncated file still decodes what it has.
            if sent < 0 && sent != mc_averror(EAGAIN) { continue }
            try drain()
        }
        avcodec_send_packet(context, nil)
        try drain()
    }
}
