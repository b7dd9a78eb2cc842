import CFFmpeg
import Foundation

/// One encoded MP4, still under its temporary name.
public struct EncodedVideo: Sendable {
    public var name: String
    public var temporaryFile: URL
    public var width: Int
    public var height: Int
    /// Measured from the written file.
    public var byteCount: Int64
    public var duration: Double
    public var bitRate: Int?
}

public struct WebVideoResult: Sendable {
    public var files: [EncodedVideo]
    /// The poster frame, encoded as the photo preset's formats.
    public var poster: [EncodedRendition]
    /// The poster's average colour, `#rrggbb`, shown before it loads.
    public var placeholder: String?
}

/// Turns any video FFmpeg can read into H.264 + AAC MP4 files for the web,
/// one per planned size, each with the `moov` atom first so playback starts
/// before the download ends, plus a poster frame.
///
/// The source is decoded once; every decoded frame feeds each size's filter
/// graph and encoder. Blocking; run it on a worker thread.
public enum WebVideo {
    public static func make(
        from path: String, into directory: URL, preset: VideoPreset, posterEncodings: [PhotoPreset.Encoding],
        limits: MediaLimits = MediaLimits(), isCancelled: () -> Bool = { false }
    ) throws(MediaError) -> WebVideoResult {
        let input = try FormatInput(path: path)
        let video = try StreamDecoder(input: input, type: AVMEDIA_TYPE_VIDEO, maxPixels: limits.maxPixels)
        // A video without sound, or with sound we cannot decode, is still a video.
        let audio = try? StreamDecoder(input: input, type: AVMEDIA_TYPE_AUDIO)

        let parameters = video.stream.pointee.codecpar.pointee
        let aspect = video.stream.pointee.sample_aspect_ratio
        let guessedRate = av_guess_frame_rate(input.context, video.stream, nil)
        let plan = VideoPlan(
            codedWidth: Int(parameters.width), codedHeight: Int(parameters.height),
            pixelAspect: aspect.num > 0 && aspect.den > 0 ? av_q2d(aspect) : 1,
            rotation: AVProbe.rotation(of: video.stream),
            frameRate: guessedRate.num > 0 && guessedRate.den > 0 ? av_q2d(guessedRate) : nil,
            sizes: preset.sizes)
        guard parameters.width > 0, parameters.height > 0, !plan.outputs.isEmpty else {
            throw .unreadable("the video has no picture size")
        }

        let duration = input.context.pointee.duration > 0 ? Double(input.context.pointee.duration) / Double(AV_TIME_BASE) : nil
        let poster = PosterPicker(duration: duration, settings: preset.poster)
        var renditions: [Rendition] = []
        do throws(MediaError) {
            for output in plan.outputs {
                renditions.append(
                    try Rendition(
                        output, directory: directory, preset: preset, source: video, audio: audio, frameRate: guessedRate))
            }
            let videoIndex = video.index, audioIndex = audio?.index
            // A container may declare no duration, or a false one: the limit is kept on what decodes.
            let timeBase = av_q2d(video.stream.pointee.time_base)
            var firstTimestamp: Int64?
            func checkLength(_ frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
                let pts = frame.pointee.pts
                guard pts != mc_av_nopts_value() else { return }
                let first = firstTimestamp ?? pts
                firstTimestamp = first
                if Double(pts - first) * timeBase > limits.maxDurationSeconds {
                    throw .tooLarge("the video is longer than the \(Int(limits.maxDurationSeconds / 60))-minute limit")
                }
            }
            try input.readPackets { packet throws(MediaError) in
                if isCancelled() { throw .engine("cancelled") }
                if packet.pointee.stream_index == videoIndex {
                    try video.decode(packet) { frame throws(MediaError) in
                        try checkLength(frame)
                        try feed(frame, to: renditions, poster: poster)
                    }
                } else if packet.pointee.stream_index == audioIndex, let audio {
                    try audio.decode(packet) { frame throws(MediaError) in for rendition in renditions { try rendition.pushAudio(frame) } }
                }
            }
            try video.decode(nil) { frame throws(MediaError) in try feed(frame, to: renditions, poster: poster) }
            try audio?.decode(nil) { frame throws(MediaError) in for rendition in renditions { try rendition.pushAudio(frame) } }
            for rendition in renditions { try rendition.finish() }
            guard renditions.allSatisfy({ $0.framesWritten > 0 }) else { throw MediaError.unreadable("the video has no decodable frames") }

            let files = try renditions.map { rendition throws(MediaError) in try rendition.measured() }
            let still = try posterRenditions(poster.poster, encodings: posterEncodings)
            return WebVideoResult(files: files, poster: still.renditions, placeholder: still.placeholder)
        } catch {
            for rendition in renditions { try? FileManager.default.removeItem(at: rendition.temporaryFile) }
            throw error
        }
    }

    private static func feed(_ frame: UnsafeMutablePointer<AVFrame>, to renditions: [Rendition], poster: PosterPicker) throws(MediaError) {
        for (index, rendition) in renditions.enumerated() {
            // The largest output's frames are upright and scaled: the poster comes from them.
            try rendition.pushVideo(frame) { filtered, time in
                if index == 0 && !poster.isDone { poster.consider(filtered, at: time) }
            }
        }
    }

    private static func posterRenditions(_ frame: UnsafeMutablePointer<AVFrame>?, encodings: [PhotoPreset.Encoding])
        throws(MediaError) -> (renditions: [EncodedRendition], placeholder: String?)
    {
        guard let frame else { throw .unreadable("the video has no decodable frames") }
        try Vips.start()
        let rgb = try RGBFrame.pixels(of: frame)
        let image = try VipsImageRef.fromRGB(rgb.data, width: rgb.width, height: rgb.height)
        let renditions = try encodings.map { encoding throws(MediaError) in
            EncodedRendition(
                width: rgb.width, height: rgb.height, format: encoding.format,
                data: try Encode.run(image, as: encoding, keepingCopyright: false))
        }
        return (renditions, Placeholder.colour(of: image))
    }

    /// One output file: its filter graphs, encoders and muxer.
    private final class Rendition {
        let output: VideoPlan.Output
        let temporaryFile: URL
        let file: OutputFile
        let videoEncoder: FrameEncoder
        let audioEncoder: FrameEncoder?
        let audioGraph: FilterGraph?
        private var videoGraph: FilterGraph?
        private let sourceTimeBase: AVRational
        private(set) var framesWritten = 0

        init(
            _ output: VideoPlan.Output, directory: URL, preset: VideoPreset, source: StreamDecoder, audio: StreamDecoder?,
            frameRate: AVRational
        ) throws(MediaError) {
            self.output = output
            temporaryFile = directory.appendingPathComponent(".video-\(UUID().uuidString).mp4")
            sourceTimeBase = source.stream.pointee.time_base
            file = try OutputFile(temporaryPath: temporaryFile.path, container: "mp4")
            let rate = output.frameRate.map { AVRational(num: Int32($0), den: 1) } ?? frameRate
            let timeBase = output.frameRate.map { AVRational(num: 1, den: Int32($0)) } ?? source.stream.pointee.time_base
            videoEncoder = try file.addEncoder(
                "libx264", options: ["crf": String(output.crf), "preset": preset.encoderPreset]
            ) { context in
                context.pointee.width = Int32(output.width)
                context.pointee.height = Int32(output.height)
                context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
                context.pointee.time_base = timeBase
                if rate.num > 0 && rate.den > 0 { context.pointee.framerate = rate }
                context.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
            }
            if let audio {
                let sampleRate = Int32(preset.audioSampleRate)
                let encoder = try file.addEncoder("aac") { context in
                    context.pointee.sample_rate = sampleRate
                    av_channel_layout_default(&context.pointee.ch_layout, 2)
                    context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
                    context.pointee.bit_rate = Int64(preset.audioBitRate)
                    context.pointee.time_base = AVRational(num: 1, den: sampleRate)
                }
                let graph = try FilterGraph(
                    .audio,
                    sourceArguments: AudioDecoder.bufferArguments(for: audio.context, timeBase: audio.stream.pointee.time_base),
                    description: "aresample=\(sampleRate),aformat=sample_fmts=fltp:channel_layouts=stereo")
                graph.setFrameSize(encoder.frameSize)
                audioEncoder = encoder
                audioGraph = graph
            } else {
                audioEncoder = nil
                audioGraph = nil
            }
            try file.start(options: ["movflags": "+faststart"])
        }

        /// Scales (and turns) a decoded frame, encodes it, and shows each
        /// encoder-ready frame and its time in seconds to `look`.
        func pushVideo(_ frame: UnsafeMutablePointer<AVFrame>?, look: (UnsafeMutablePointer<AVFrame>, Double) -> Void)
            throws(MediaError)
        {
            if videoGraph == nil, let frame {
                // Built from the first frame, which says what the decoder really produces.
                let aspect = frame.pointee.sample_aspect_ratio
                let arguments =
                    "video_size=\(frame.pointee.width)x\(frame.pointee.height):pix_fmt=\(frame.pointee.format)"
                    + ":time_base=\(sourceTimeBase.num)/\(sourceTimeBase.den)"
                    + ":pixel_aspect=\(max(aspect.num, 0))/\(max(aspect.den, 1))"
                videoGraph = try FilterGraph(.video, sourceArguments: arguments, description: output.filters)
            }
            guard let graph = videoGraph else { return }
            let encoder = videoEncoder
            try graph.push(frame) { filtered throws(MediaError) in
                let timeBase = graph.outputTimeBase
                look(filtered, Double(filtered.pointee.pts) * av_q2d(timeBase))
                filtered.pointee.pts = av_rescale_q(filtered.pointee.pts, timeBase, encoder.context.pointee.time_base)
                filtered.pointee.pict_type = AV_PICTURE_TYPE_NONE
                try encoder.encode(filtered)
                framesWritten += 1
            }
        }

        func pushAudio(_ frame: UnsafeMutablePointer<AVFrame>?) throws(MediaError) {
            guard let graph = audioGraph, let encoder = audioEncoder else { return }
            try graph.push(frame) { filtered throws(MediaError) in
                filtered.pointee.pts = av_rescale_q(filtered.pointee.pts, graph.outputTimeBase, encoder.context.pointee.time_base)
                try encoder.encode(filtered)
            }
        }

        func finish() throws(MediaError) {
            try pushVideo(nil) { _, _ in }
            try pushAudio(nil)
            try file.finish()
        }

        /// Size, duration and bit rate, read back from the finished file.
        func measured() throws(MediaError) -> EncodedVideo {
            let written = try FormatInput(path: temporaryFile.path)
            let context = written.context.pointee
            let size = (try? FileManager.default.attributesOfItem(atPath: temporaryFile.path)[.size] as? NSNumber)?.int64Value ?? 0
            return EncodedVideo(
                name: output.name, temporaryFile: temporaryFile, width: output.width, height: output.height, byteCount: size,
                duration: context.duration > 0 ? Double(context.duration) / Double(AV_TIME_BASE) : 0,
                bitRate: context.bit_rate > 0 ? Int(context.bit_rate) : nil)
        }
    }
}
