import CFFmpeg
import MediaModel

/// The best audio stream of a file, decoded; frees the decoder when released.
public final class AudioDecoder {
    let input: FormatInput
    private let decoder: StreamDecoder
    /// Decoding stops with `tooLarge` past this many seconds of sound: a
    /// container may declare no duration (or a false one), so the limit is
    /// kept on what actually decodes.
    let maxSeconds: Double?

    public convenience init(path: String, maxSeconds: Double? = nil, control: JobControl = .unlimited) throws(MediaError) {
        try self.init(input: FormatInput(path: path, control: control), maxSeconds: maxSeconds)
    }

    init(input: FormatInput, maxSeconds: Double? = nil) throws(MediaError) {
        self.input = input
        self.maxSeconds = maxSeconds
        decoder = try StreamDecoder(input: input, type: AVMEDIA_TYPE_AUDIO)
        guard context.pointee.sample_rate > 0, context.pointee.ch_layout.nb_channels > 0 else {
            throw .unreadable("the audio stream has no sample rate or channels")
        }
    }

    var context: UnsafeMutablePointer<AVCodecContext> { decoder.context }
    public var channels: Int { Int(context.pointee.ch_layout.nb_channels) }
    public var sampleRate: Int { Int(context.pointee.sample_rate) }
    /// The stream's own duration in seconds, else the container's, when either declares one.
    public var duration: Double? {
        let stream = decoder.stream.pointee
        if stream.duration != mc_av_nopts_value() && stream.duration > 0 { return Double(stream.duration) * av_q2d(stream.time_base) }
        return input.duration
    }

    /// What a filter graph fed by this decoder must be told of its frames (the `abuffer` arguments, timed in samples).
    public var frameDescription: String {
        Self.bufferArguments(for: context, timeBase: AVRational(num: 1, den: context.pointee.sample_rate))
    }

    static func bufferArguments(for context: UnsafeMutablePointer<AVCodecContext>, timeBase: AVRational) -> String {
        var layout = [CChar](repeating: 0, count: 128)
        var channelLayout = context.pointee.ch_layout
        if channelLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&channelLayout, channelLayout.nb_channels)
        }
        av_channel_layout_describe(&channelLayout, &layout, layout.count)
        let format = av_get_sample_fmt_name(context.pointee.sample_fmt).map { String(cString: $0) } ?? "fltp"
        let layoutName = String(decoding: layout.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let rate = context.pointee.sample_rate
        return "time_base=\(timeBase.num)/\(timeBase.den):sample_rate=\(rate):sample_fmt=\(format):channel_layout=\(layoutName)"
    }

    /// Decodes every audio packet, handing each frame to `body`; then flushes.
    /// A truncated file still decodes what it has.
    public func decodeAll(_ body: (Frame) throws(MediaError) -> Void) throws(MediaError) {
        let index = decoder.index
        let maxSeconds = self.maxSeconds
        let limit = maxSeconds.map { Int64($0 * Double(sampleRate)) } ?? .max
        var samples: Int64 = 0
        func counted(_ frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
            samples += Int64(frame.pointee.nb_samples)
            if samples > limit, let maxSeconds {
                throw .tooLarge("the recording is longer than the \(Int(maxSeconds / 60))-minute limit")
            }
            try body(Frame(frame))
        }
        try input.readPackets { packet throws(MediaError) in
            guard packet.pointee.stream_index == index else { return }
            try decoder.decode(packet, counted)
        }
        try decoder.decode(nil, counted)
    }
}
