import Foundation
import MediaEngine
import MediaModel

/// One encoded MP4, still under its temporary name.
public struct EncodedVideo: Codable, Sendable {
    public var name: String
    public var temporaryFile: URL
    public var width: Int
    public var height: Int
    /// Measured from the written file.
    public var byteCount: Int64
    public var duration: Double
    public var bitRate: Int?
}

/// Everything a video's processing made: its MP4s (still under temporary names) and its poster.
public struct WebVideoResult: Sendable {
    public var files: [EncodedVideo]
    /// The poster frame, encoded as the photo preset's formats.
    public var poster: [EncodedRendition]
    /// The poster's average colour, `#rrggbb`, shown before it loads.
    public var placeholder: String?
}

/// Turns any video FFmpeg can read into H.264 + AAC MP4 files for the web,
/// one per planned size, each with the `moov` atom first so playback starts
/// before the download ends, plus a poster frame. In steps:
///
/// 1. `plan`: the sizes that fit the source, its rotation, the frame-rate caps;
/// 2. `transcode`: decoded once, every frame fed to each size's filters and
///    encoder, held to the length limit by what decodes; the poster is
///    chosen from the largest size's frames as they pass;
/// 3. `measure`: each file read back for its size, duration and bit rate;
/// 4. `poster`: the chosen frame encoded as the photo preset's formats.
///
/// Blocking; run it on a worker thread.
public enum WebVideo {
    struct Context {
        let path: String
        let folder: URL
        let preset: VideoPreset
        let posterEncodings: [PhotoPreset.Encoding]
        let limits: MediaLimits
        var source: VideoSource?
        var plan: VideoPlan?
        var outputs: [(plan: VideoPlan.Output, writer: VideoOutput)] = []
        var picker: PosterPicker?
        var files: [EncodedVideo] = []
        var poster: [EncodedRendition] = []
        var placeholder: String?
    }

    static var pipeline: Pipeline<Context> {
        Pipeline([
            .init("plan") { context, control throws(MediaError) in
                let source = try VideoSource(path: context.path, maxPixels: context.limits.maxPixels, control: control)
                let plan = VideoPlan(
                    codedWidth: source.codedWidth,
                    codedHeight: source.codedHeight,
                    pixelAspect: source.pixelAspect,
                    rotation: source.rotation,
                    frameRate: source.frameRate,
                    sizes: context.preset.sizes
                )
                guard source.codedWidth > 0, source.codedHeight > 0, !plan.outputs.isEmpty else {
                    throw .unreadable("the video has no picture size")
                }
                context.source = source
                context.plan = plan
            },
            .init("transcode") { context, control throws(MediaError) in
                guard let source = context.source, let plan = context.plan else { return }
                let picker = PosterPicker(duration: source.duration, settings: context.preset.poster)
                for output in plan.outputs {
                    let writer = try VideoOutput(
                        .init(
                            width: output.width,
                            height: output.height,
                            crf: output.crf,
                            encoderPreset: context.preset.encoderPreset,
                            frameRate: output.frameRate,
                            filters: output.filters,
                            audioBitRate: context.preset.audioBitRate,
                            audioSampleRate: context.preset.audioSampleRate
                        ),
                        temporaryFile: context.folder.appendingPathComponent(TemporaryName.make(".video", extension: "mp4")),
                        source: source
                    )
                    context.outputs.append((output, writer))
                }
                try Transcode.run(source, into: context.outputs.map(\.writer), poster: picker, limits: context.limits, control: control)
                context.picker = picker
                context.source = nil
            },
            .init("measure") { context, _ throws(MediaError) in
                context.files = try context.outputs.map { output throws(MediaError) in
                    let written = try WrittenFile(measuring: output.writer.temporaryFile)
                    return EncodedVideo(
                        name: output.plan.name,
                        temporaryFile: output.writer.temporaryFile,
                        width: output.plan.width,
                        height: output.plan.height,
                        byteCount: written.byteCount,
                        duration: written.duration ?? 0,
                        bitRate: written.bitRate
                    )
                }
            },
            .init("poster") { context, _ throws(MediaError) in
                guard let frame = context.picker?.poster else { throw .unreadable("the video has no decodable frames") }
                let made = try EncodePoster.run(frame, encodings: context.posterEncodings)
                context.poster = made.renditions
                context.placeholder = made.placeholder
                context.picker = nil
            },
        ])
    }

    public static func make(
        from path: String,
        into directory: URL,
        preset: VideoPreset,
        posterEncodings: [PhotoPreset.Encoding],
        limits: MediaLimits = MediaLimits(),
        control: JobControl = .unlimited
    ) throws(MediaError) -> WebVideoResult {
        var context = Context(path: path, folder: directory, preset: preset, posterEncodings: posterEncodings, limits: limits)
        do throws(MediaError) {
            try pipeline.run(&context, control: control)
        } catch {
            for output in context.outputs { try? FileManager.default.removeItem(at: output.writer.temporaryFile) }
            throw error
        }
        return WebVideoResult(files: context.files, poster: context.poster, placeholder: context.placeholder)
    }
}
