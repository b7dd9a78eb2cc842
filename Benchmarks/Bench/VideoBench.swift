// A 60-second 1080p clip made web-ready in-process, side by side with the
// `ffmpeg` command line doing the same work in one call: decode once, 1080p
// and 720p H.264 at the preset's CRF and speed, AAC at the preset's rate,
// `moov` first. Same machine, same run.
import Foundation
import MediaKit
import MediaModel

func videoBenchmark(seconds length: Int) throws {
    let folder = scratchFolder("video")
    defer { try? FileManager.default.removeItem(at: folder) }
    let source = folder.appendingPathComponent("clip.mp4")
    shell([
        "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30,noise=alls=8:allf=t",
        "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000", "-t", "\(length)",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-c:a", "aac", source.path,
    ])
    let presets = try Presets.load(from: repository.appendingPathComponent("Presets"))
    let video = presets.video
    print("video: \(length) s 1080p30 H.264 + AAC → \(video.sizes.map(\.name)) H.264 (\(video.encoderPreset)) + AAC, fast start")

    var result: WebVideoResult?
    let ours = try seconds {
        result = try WebVideo.make(from: source.path, into: folder, preset: video, posterEncodings: presets.photo.encodings)
    }
    let plan = VideoPlan(codedWidth: 1920, codedHeight: 1080, rotation: nil, frameRate: 30, sizes: video.sizes)
    var arguments = ["ffmpeg", "-v", "error", "-y", "-i", source.path, "-filter_complex"]
    let branches = plan.outputs.indices.map { "[v\($0)]" }.joined()
    arguments.append(
        "[0:v]split=\(plan.outputs.count)\(branches);"
            + plan.outputs.enumerated().map { "[v\($0.offset)]\($0.element.filters)[out\($0.offset)]" }.joined(separator: ";")
    )
    for (index, output) in plan.outputs.enumerated() {
        arguments += [
            "-map", "[out\(index)]", "-map", "0:a", "-c:v", "libx264", "-crf", "\(output.crf)", "-preset", video.encoderPreset,
            "-c:a", "aac", "-b:a", "\(video.audioBitRate)", "-ar", "\(video.audioSampleRate)", "-ac", "2",
            "-movflags", "+faststart", folder.appendingPathComponent("cli-\(output.name).mp4").path,
        ]
    }
    var cliPeak = 0
    let cli = seconds { cliPeak = runMeasured(arguments) }

    let sizes = result!.files.map { "\($0.name) \($0.byteCount / 1024) KB" }.joined(separator: ", ")
    let cliSizes = plan.outputs.map { output -> String in
        let bytes =
            (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("cli-\(output.name).mp4").path)[.size] as? Int) ?? 0
        return "\(output.name) \(bytes / 1024) KB"
    }.joined(separator: ", ")
    print(String(format: "in-process: %.2f s (%.1f× real time) → %@; poster included", ours, Double(length) / ours, sizes))
    print(String(format: "ffmpeg CLI: %.2f s (%.1f× real time) → %@; peak %d MB", cli, Double(length) / cli, cliSizes, cliPeak / 1024))
    print(
        String(
            format: "→ time ratio in-process / ffmpeg: %.2f (goal ≤ 1.1); in-process peak %d MB (whole process)",
            ours / cli,
            selfPeakKilobytes() / 1024
        )
    )
}
