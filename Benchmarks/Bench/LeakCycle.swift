import Foundation
import MediaKit
import MediaModel
import TestSupport

/// The files one leak-check cycle uses, made with the command-line tools
/// (outside valgrind, which cannot host Foundation's `Process`): a camera
/// photo, an episode, a phone video, and damaged copies whose jobs must fail.
func leakFixtures(in folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let photo = try fixture { try await Fixtures.sidewaysJPEGWithGPS(in: folder, name: "photo.jpg") }
    _ = try fixture { try await Fixtures.tone(in: folder, name: "episode.mp3", seconds: 2) }
    let m4a = try fixture { try await Fixtures.tone(in: folder, name: "episode.m4a", seconds: 2) }
    let video = try fixture { try await Fixtures.phoneVideo(in: folder, name: "video.mov", seconds: 1) }
    // Half a JPEG ends early; half an M4A has lost its index (moov); half a MOV its frames.
    for (source, name) in [(photo, "broken.jpg"), (m4a, "broken.m4a"), (video, "broken.mov")] {
        let bytes = try Data(contentsOf: source)
        try bytes.prefix(bytes.count / 2).write(to: folder.appendingPathComponent(name))
    }
    print("leak-check fixtures in \(folder.path)")
}

/// One full cycle of every media job, and of their failure paths, `rounds`
/// times, on the files `leakFixtures` made: what `scripts/leaks` runs under
/// valgrind's memcheck, so that every FFmpeg context and frame and every
/// libvips image is seen freed on every path. Exits non-zero if a job that
/// should succeed fails.
func leakCycle(rounds: Int, folder: URL) throws {
    let presets = try Presets.load(from: repository.appendingPathComponent("Presets"))
    func file(_ name: String) -> String { folder.appendingPathComponent(name).path }
    let budget = DecodeBudget()
    var failures: [String] = []
    for round in 1...rounds {
        let output = folder.appendingPathComponent("round-\(round)", isDirectory: true)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        for name in ["photo.jpg", "episode.mp3", "video.mov", "broken.jpg", "broken.m4a", "broken.mov"] {
            _ = try? Inspector.inspect(path: file(name), limits: MediaLimits(), budget: budget)
        }
        do {
            _ = try PhotoRenditions.make(from: file("photo.jpg"), preset: presets.photo, budget: budget)
            _ = try PodcastAudio.make(from: file("episode.mp3"), into: output, preset: presets.audio, tags: AudioTags(title: "Leak check"))
            _ = try WebVideo.make(from: file("video.mov"), into: output, preset: presets.video, posterEncodings: presets.photo.encodings)
        } catch {
            failures.append("round \(round): \(error)")
        }
        var made: [String] = []
        if (try? PhotoRenditions.make(from: file("broken.jpg"), preset: presets.photo, budget: budget)) != nil { made.append("photo") }
        if (try? PodcastAudio.make(from: file("broken.m4a"), into: output, preset: presets.audio, tags: AudioTags(title: "x"))) != nil {
            made.append("episode")
        }
        if (try? WebVideo.make(from: file("broken.mov"), into: output, preset: presets.video, posterEncodings: presets.photo.encodings)) != nil {
            made.append("video")
        }
        try? FileManager.default.removeItem(at: output)
        print("round \(round): photo, episode and video made; from damaged files: \(made.isEmpty ? "nothing" : made.joined(separator: ", "))")
    }
    guard failures.isEmpty else {
        print(failures.joined(separator: "\n"))
        exit(1)
    }
}
