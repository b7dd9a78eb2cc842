import CFFmpeg
import Foundation
import MediaModel

/// A video file opened for transcoding: its picture stream decoded, and its
/// sound when it has any we can decode. Frees everything when released.
public final class VideoSource {
    let input: FormatInput
    let video: StreamDecoder
    let audio: StreamDecoder?

    /// - Parameter maxPixels: frames larger than this are refused by the decoder itself.
    public init(path: String, maxPixels: Int, control: JobControl = .unlimited) throws(MediaError) {
        input = try FormatInput(path: path, control: control)
        video = try StreamDecoder(input: input, type: AVMEDIA_TYPE_VIDEO, maxPixels: maxPixels)
        // A video without sound, or with sound we cannot decode, is still a video.
        audio = try? StreamDecoder(input: input, type: AVMEDIA_TYPE_AUDIO)
    }

    var parameters: AVCodecParameters { video.stream.pointee.codecpar.pointee }
    public var codedWidth: Int { Int(parameters.width) }
    public var codedHeight: Int { Int(parameters.height) }
    /// Width of a pixel over its height (1 for square pixels).
    public var pixelAspect: Double {
        let aspect = video.stream.pointee.sample_aspect_ratio
        return aspect.num > 0 && aspect.den > 0 ? av_q2d(aspect) : 1
    }
    /// Degrees counter-clockwise, from the display matrix (phones write -90 for portrait).
    public var rotation: Double? { AVProbe.rotation(of: video.stream) }
    var guessedRate: AVRational { av_guess_frame_rate(input.context, video.stream, nil) }
    public var frameRate: Double? {
        let rate = guessedRate
        return rate.num > 0 && rate.den > 0 ? av_q2d(rate) : nil
    }
    /// The container's duration, when it declares one.
    public var duration: Double? { input.duration }
    public var hasAudio: Bool { audio != nil }

    /// Decodes every packet in file order, then flushes both decoders. Video
    /// frames come with their time in seconds from the stream's first frame
    /// (nil when the frame has no timestamp).
    public func decodeAll(
        video onVideo: (Frame, Double?) throws(MediaError) -> Void,
        audio onAudio: (Frame) throws(MediaError) -> Void
    )
        throws(MediaError)
    {
        let timeBase = av_q2d(video.stream.pointee.time_base)
        var first: Int64?
        func timed(_ frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
            let pts = frame.pointee.pts
            var seconds: Double?
            if pts != mc_av_nopts_value() {
                let start = first ?? pts
                first = start
                seconds = Double(pts - start) * timeBase
            }
            try onVideo(Frame(frame), seconds)
        }
        let videoIndex = video.index
        let audioIndex = audio?.index
        try input.readPackets { packet throws(MediaError) in
            if packet.pointee.stream_index == videoIndex {
                try video.decode(packet, timed)
            } else if packet.pointee.stream_index == audioIndex, let audio {
                try audio.decode(packet) { frame throws(MediaError) in try onAudio(Frame(frame)) }
            }
        }
        try video.decode(nil, timed)
        try audio?.decode(nil) { frame throws(MediaError) in try onAudio(Frame(frame)) }
    }
}

/// One web video file being written: the filter graph that turns and scales
/// the source's frames, libx264, and (when the source has sound) a resampler
/// and AAC, muxed as MP4 with the `moov` atom first. Written under
/// `temporaryFile`; the caller renames it into place only after `finish()`.
public final class VideoOutput {
    /// One output size: its dimensions, encoder settings, filters and sound.
    public struct Settings: Sendable {
        public var width: Int
        public var height: Int
        /// x264's constant rate factor and speed preset.
        public var crf: Int
        public var encoderPreset: String
        /// Frames per second to reduce to, or nil to keep the source's rate.
        public var frameRate: Int?
        /// The libavfilter chain from decoded frames to encoder input.
        public var filters: String
        public var audioBitRate: Int
        public var audioSampleRate: Int

        public init(
            width: Int,
            height: Int,
            crf: Int,
            encoderPreset: String,
            frameRate: Int?,
            filters: String,
            audioBitRate: Int,
            audioSampleRate: Int
        ) {
            self.width = width
            self.height = height
            self.crf = crf
            self.encoderPreset = encoderPreset
            self.frameRate = frameRate
            self.filters = filters
            self.audioBitRate = audioBitRate
            self.audioSampleRate = audioSampleRate
        }
    }

    public let temporaryFile: URL
    let settings: Settings
    let file: OutputFile
    let videoEncoder: FrameEncoder
    let audioEncoder: FrameEncoder?
    let audioGraph: FilterGraph?
    private var videoGraph: FilterGraph?
    private let sourceTimeBase: AVRational
    public private(set) var framesWritten = 0

    public init(_ settings: Settings, temporaryFile: URL, source: VideoSource) throws(MediaError) {
        self.settings = settings
        self.temporaryFile = temporaryFile
        sourceTimeBase = source.video.stream.pointee.time_base
        file = try OutputFile(temporaryPath: temporaryFile.path, container: "mp4")
        let rate = settings.frameRate.map { AVRational(num: Int32($0), den: 1) } ?? source.guessedRate
        let timeBase = settings.frameRate.map { AVRational(num: 1, den: Int32($0)) } ?? sourceTimeBase
        videoEncoder = try file.addEncoder("libx264", options: ["crf": String(settings.crf), "preset": settings.encoderPreset]) {
            context in
            context.pointee.width = Int32(settings.width)
            context.pointee.height = Int32(settings.height)
            context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            context.pointee.time_base = timeBase
            if rate.num > 0 && rate.den > 0 { context.pointee.framerate = rate }
            context.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        }
        if let audio = source.audio {
            let sampleRate = Int32(settings.audioSampleRate)
            let encoder = try file.addEncoder("aac") { context in
                context.pointee.sample_rate = sampleRate
                av_channel_layout_default(&context.pointee.ch_layout, 2)
                context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
                context.pointee.bit_rate = Int64(settings.audioBitRate)
                context.pointee.time_base = AVRational(num: 1, den: sampleRate)
            }
            let graph = try FilterGraph(
                .audio,
                sourceArguments: AudioDecoder.bufferArguments(for: audio.context, timeBase: audio.stream.pointee.time_base),
                description: "aresample=\(sampleRate),aformat=sample_fmts=fltp:channel_layouts=stereo"
            )
            graph.setFrameSize(Int(encoder.frameSize))
            audioEncoder = encoder
            audioGraph = graph
        } else {
            audioEncoder = nil
            audioGraph = nil
        }
        try file.start(options: ["movflags": "+faststart"])
    }

    /// Scales (and turns) a decoded frame, encodes it, and shows each
    /// encoder-ready frame and its time in seconds to `look`; nil flushes.
    public func pushVideo(_ frame: Frame?, look: (Frame, Double) throws(MediaError) -> Void) throws(MediaError) {
        if videoGraph == nil, let frame = frame?.pointer {
            // Built from the first frame, which says what the decoder really produces.
            let aspect = frame.pointee.sample_aspect_ratio
            let arguments =
                "video_size=\(frame.pointee.width)x\(frame.pointee.height):pix_fmt=\(frame.pointee.format)"
                + ":time_base=\(sourceTimeBase.num)/\(sourceTimeBase.den)"
                + ":pixel_aspect=\(max(aspect.num, 0))/\(max(aspect.den, 1))"
            videoGraph = try FilterGraph(.video, sourceArguments: arguments, description: settings.filters)
        }
        guard let graph = videoGraph else { return }
        let encoder = videoEncoder
        try graph.push(frame?.pointer) { filtered throws(MediaError) in
            let timeBase = graph.outputTimeBase
            try look(Frame(filtered), Double(filtered.pointee.pts) * av_q2d(timeBase))
            filtered.pointee.pts = av_rescale_q(filtered.pointee.pts, timeBase, encoder.context.pointee.time_base)
            filtered.pointee.pict_type = AV_PICTURE_TYPE_NONE
            try encoder.encode(filtered)
            framesWritten += 1
        }
    }

    /// Resamples and encodes a decoded sound frame; nil flushes.
    public func pushAudio(_ frame: Frame?) throws(MediaError) {
        guard let graph = audioGraph, let encoder = audioEncoder else { return }
        try graph.push(frame?.pointer) { filtered throws(MediaError) in
            filtered.pointee.pts = av_rescale_q(filtered.pointee.pts, graph.outputTimeBase, encoder.context.pointee.time_base)
            try encoder.encode(filtered)
        }
    }

    /// Flushes the filters and encoders and completes the file.
    public func finish() throws(MediaError) {
        try pushVideo(nil) { _, _ in }
        try pushAudio(nil)
        try file.finish()
    }
}

/// What a written media file measures: its duration and bit rate, read back by FFmpeg.
public struct WrittenFile: Sendable {
    public var byteCount: Int64
    public var duration: Double?
    public var bitRate: Int?

    public init(measuring url: URL) throws(MediaError) {
        let written = try FormatInput(path: url.path)
        let context = written.context.pointee
        byteCount = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
        duration = written.duration
        bitRate = context.bit_rate > 0 ? Int(context.bit_rate) : nil
    }
}
