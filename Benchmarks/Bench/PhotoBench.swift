// Photo renditions, in-process with libvips, side by side with what a user
// would otherwise run, in the same run and on both cores: `vipsthumbnail`
// once per output file (same widths, formats and qualities), and ImageMagick's
// `convert -thumbnail` once per output file. Then the peak memory of one
// 8000 × 6000 JPEG, baseline and progressive, each in a process of its own.
import Foundation
import Glibc
import MediaKit
import MediaModel

func photoBenchmark(photoCount: Int, rounds: Int) throws {
    let folder = scratchFolder("photo")
    defer { try? FileManager.default.removeItem(at: folder) }

    // 12-megapixel camera-like JPEGs: a moving pattern with film grain, so they compress like photos.
    var photos: [URL] = []
    for index in 0..<photoCount {
        let file = folder.appendingPathComponent("photo-\(index).jpg")
        shell([
            "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=4000x3000", "-vf",
            "noise=alls=20:allf=t,trim=start_frame=\(index * 7)", "-frames:v", "1", "-q:v", "3", file.path,
        ])
        photos.append(file)
    }

    let preset = try Presets.load(from: repository.appendingPathComponent("Presets")).photo
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print(
        "photo renditions: \(photoCount) × 4000×3000 JPEG → \(preset.widths.count * preset.encodings.count) files each "
            + "(\(preset.widths) px; \(preset.encodings.map(\.format.rawValue))), \(cores) at a time"
    )

    let ours = median((0..<rounds).map { _ in seconds { ourRenditions(photos, preset: preset, into: folder, cores: cores) } })
    let vipsCalls = vipsthumbnailCalls(photos, preset: preset, into: folder)
    let vips = median((0..<rounds).map { _ in seconds { runAll(vipsCalls, cores: cores) } })
    let vipsPeak = runMeasured(vipsCalls[preset.encodings.count * (preset.widths.count - 1)])
    print(String(format: "in-process:    %.2f s (%.2f photos/s)", ours, Double(photoCount) / ours))
    print(String(format: "vipsthumbnail: %.2f s (%.2f photos/s), peak %d MB for the largest size", vips, Double(photoCount) / vips, vipsPeak / 1024))
    print(String(format: "→ time ratio in-process / vipsthumbnail: %.2f (goal ≤ 0.6)", ours / vips))

    let magickCalls = convertCalls(photos, preset: preset, into: folder)
    let magick = seconds { runAll(magickCalls, cores: cores) }
    let magickPeak = runMeasured(magickCalls[preset.encodings.count * (preset.widths.count - 1)])
    print(
        String(
            format: "ImageMagick:   %.2f s (%.2f photos/s), peak %d MB for the largest size",
            magick,
            Double(photoCount) / magick,
            magickPeak / 1024
        )
    )
    print(String(format: "→ ImageMagick takes %.1f× as long as in-process", magick / ours))

    // Peak memory of one 48-megapixel photo, in a fresh process each.
    let big = folder.appendingPathComponent("big.jpg")
    shell([
        "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=8000x6000", "-vf", "noise=alls=20", "-frames:v", "1", "-q:v", "3",
        big.path,
    ])
    // Progressive as cameras and web tools write it: 4:2:0 chroma.
    let progressive = folder.appendingPathComponent("big-progressive.jpg")
    shell(["vips", "copy", big.path, "\(progressive.path)[interlace,Q=90,subsample-mode=on]"])
    let idle = runMeasured([CommandLine.arguments[0], "idle"])
    print("this executable's own floor (Swift runtime, Foundation, libraries loaded, no work): \(idle / 1024) MB")
    for (label, file) in [("baseline", big), ("progressive", progressive)] {
        let ourPeak = runMeasured([CommandLine.arguments[0], "photo-one", file.path])
        let theirPeak = runMeasured([
            "vipsthumbnail", file.path, "--size", "\(preset.widths.max() ?? 2048)x", "-o", folder.appendingPathComponent("one.jpg").path,
        ])
        print(
            "8000×6000 \(label) JPEG, all \(preset.widths.count * preset.encodings.count) renditions: peak \(ourPeak / 1024) MB in-process "
                + "(\((ourPeak - idle) / 1024) MB above the floor; goal < 200 MB); vipsthumbnail, largest size alone: \(theirPeak / 1024) MB"
        )
    }
}

/// The `photo-one` sub-command: one photo's renditions, for measuring a process's peak memory.
func photoOne(_ path: String, presets: String?) throws {
    let preset = try Presets.load(from: presets.map { URL(fileURLWithPath: $0) } ?? repository.appendingPathComponent("Presets")).photo
    _ = try PhotoRenditions.make(from: path, preset: preset, budget: DecodeBudget())
}

private func ourRenditions(_ photos: [URL], preset: PhotoPreset, into folder: URL, cores: Int) {
    // Like the media worker: one photo per core, each decoded and encoded on its own thread.
    let next = Counter()
    let budget = DecodeBudget()
    DispatchQueue.concurrentPerform(iterations: cores) { _ in
        while let index = next.take(below: photos.count) {
            let made = try! PhotoRenditions.make(from: photos[index].path, preset: preset, budget: budget)
            for rendition in made.renditions {
                try! rendition.data.write(to: folder.appendingPathComponent("ours-\(index)-\(rendition.width).\(rendition.format.fileExtension)"))
            }
        }
    }
}

private func vipsthumbnailCalls(_ photos: [URL], preset: PhotoPreset, into folder: URL) -> [[String]] {
    photos.enumerated().flatMap { index, photo in
        preset.widths.flatMap { width in
            preset.encodings.map { encoding in
                let options =
                    encoding.format == .avif
                    ? "Q=\(encoding.quality),effort=\(encoding.effort ?? 2),compression=av1,strip" : "Q=\(encoding.quality),strip"
                return [
                    "vipsthumbnail", photo.path, "--size", "\(width)x", "--export-profile", "srgb",
                    "-o", folder.appendingPathComponent("vips-\(index)-\(width).\(encoding.format.fileExtension)[\(options)]").path,
                ]
            }
        }
    }
}

private func convertCalls(_ photos: [URL], preset: PhotoPreset, into folder: URL) -> [[String]] {
    photos.enumerated().flatMap { index, photo in
        preset.widths.flatMap { width in
            preset.encodings.map { encoding in
                [
                    "/usr/bin/convert", photo.path, "-auto-orient", "-thumbnail", "\(width)x", "-quality", "\(encoding.quality)",
                    folder.appendingPathComponent("magick-\(index)-\(width).\(encoding.format.fileExtension)").path,
                ]
            }
        }
    }
}

/// Runs command lines `cores` at a time.
private func runAll(_ calls: [[String]], cores: Int) {
    let next = Counter()
    DispatchQueue.concurrentPerform(iterations: cores) { _ in
        while let index = next.take(below: calls.count) { shell(calls[index]) }
    }
}

/// A lock-protected integer shared by benchmark threads.
final class Counter: @unchecked Sendable {
    private var current = 0
    private let lock = NSLock()

    /// The next index below `limit`, or nil when all are taken.
    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard current < limit else { return nil }
            defer { current += 1 }
            return current
        }
    }
}
