// A drop-folder batch, taken in-process by `FolderRun` (what `microcast
// watch --once` runs), side by side with a shell loop over the same files
// doing the same work with the command-line tools, one file after another:
// `vipsthumbnail` for every rendition of each photo, `ffmpeg` for each
// episode file (loudness-normalised MP3 and M4A).
import Foundation
import Logging
import MediaKit
import MediaModel
import MicrocastApp

func batchBenchmark(photoCount: Int, episodeCount: Int, episodeMinutes: Int) async throws {
    let folder = scratchFolder("batch")
    defer { try? FileManager.default.removeItem(at: folder) }
    let presets = try Presets.load(from: repository.appendingPathComponent("Presets"))

    let photos = folder.appendingPathComponent("photos")
    let episodes = folder.appendingPathComponent("episodes")
    for drop in [photos, episodes] { try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true) }
    for index in 0..<photoCount {
        shell([
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=4000x3000", "-vf",
            "noise=alls=20:allf=t,trim=start_frame=\(index * 7)", "-frames:v", "1", "-q:v", "3",
            photos.appendingPathComponent("photo-\(index).jpg").path,
        ])
    }
    let minute = folder.appendingPathComponent("minute.wav")
    shell([
        "espeak-ng", "-s", "160", "-w", minute.path,
        String(repeating: "Welcome back to the show, where we talk about publishing on your own site. ", count: 12),
    ])
    for index in 0..<episodeCount {
        shell([
            "ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", minute.path, "-af", "volume=\(0.5 + Double(index) * 0.1)",
            "-t", "\(episodeMinutes * 60)", "-ar", "44100", episodes.appendingPathComponent("episode-\(index).wav").path,
        ])
    }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print(
        "batch: \(photoCount) × 12 MP JPEG, \(episodeCount) × \(episodeMinutes) min speech WAV; in-process on \(cores) cores vs a one-at-a-time shell loop"
    )

    // Copies of the drops for the shell loop, made before the watcher moves them to done/.
    let loopPhotos = (try FileManager.default.contentsOfDirectory(atPath: photos.path)).sorted().map { photos.appendingPathComponent($0) }
    let loopEpisodes = (try FileManager.default.contentsOfDirectory(atPath: episodes.path)).sorted().map { episodes.appendingPathComponent($0) }
    let out = folder.appendingPathComponent("loop")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let photoLoop = seconds {
        for (index, photo) in loopPhotos.enumerated() {
            for width in presets.photo.widths {
                for encoding in presets.photo.encodings {
                    let options =
                        encoding.format == .avif
                        ? "Q=\(encoding.quality),effort=\(encoding.effort ?? 2),compression=av1,strip" : "Q=\(encoding.quality),strip"
                    shell([
                        "vipsthumbnail", photo.path, "--size", "\(width)x", "--export-profile", "srgb",
                        "-o", out.appendingPathComponent("\(index)-\(width).\(encoding.format.fileExtension)[\(options)]").path,
                    ])
                }
            }
        }
    }
    let audioLoop = seconds {
        for (index, episode) in loopEpisodes.enumerated() {
            for encoding in presets.audio.encodings {
                shell([
                    "ffmpeg", "-v", "error", "-y", "-i", episode.path, "-af",
                    "loudnorm=I=\(presets.audio.loudness.monoLufs):TP=\(presets.audio.loudness.truePeakDbtp)", "-ar", "44100",
                    "-c:a", encoding.codec, "-b:a", "\(encoding.bitRateMono)", out.appendingPathComponent("\(index).\(encoding.fileExtension)").path,
                ])
            }
        }
    }

    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    func ours(_ drop: URL, data: String) async throws -> Double {
        var configuration = ServiceConfiguration(
            dataDirectory: folder.appendingPathComponent(data),
            presets: presets,
            workerThreads: cores,
            jobPollInterval: .milliseconds(100)
        )
        // The baselines make no transcripts; `bench transcribe` measures them.
        configuration.transcriber = Transcriber(model: .off)
        let services = try await MicrocastServices.start(configuration, logger: logger)
        var options = FolderRun.Options()
        options.once = true
        options.settle = 0
        let run = FolderRun(folder: drop, services: services, options: options)
        let start = ContinuousClock.now
        let summary = try await services.withWorker { try await run.run { _ in } }
        let elapsed = ContinuousClock.now - start
        guard summary.succeeded else { fatalError("batch failed: \(summary.failed)") }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
    let photoOurs = try await ours(photos, data: "data-photos")
    let audioOurs = try await ours(episodes, data: "data-episodes")
    let audioMinutes = Double(episodeCount * episodeMinutes)

    print(
        String(
            format: "photos, all renditions: in-process %.2f s (%.2f photos/s); shell loop %.2f s (%.2f photos/s) → %.1f× faster",
            photoOurs,
            Double(photoCount) / photoOurs,
            photoLoop,
            Double(photoCount) / photoLoop,
            photoLoop / photoOurs
        )
    )
    print(
        String(
            format: "episodes, MP3 + M4A + waveform: in-process %.2f s (%.0f audio minutes per minute); shell loop %.2f s (%.0f) → %.1f× faster",
            audioOurs,
            audioMinutes / (audioOurs / 60),
            audioLoop,
            audioMinutes / (audioLoop / 60),
            audioLoop / audioOurs
        )
    )
}
