// Photo renditions, in-process with libvips, side by side with what a user
// would otherwise run: `vipsthumbnail` once per output file. Same source, same
// widths, same formats, same qualities, in the same run.
//
//     swift run -c release photo-bench [PHOTOS] [ROUNDS]
import Foundation
import Glibc
import MediaKit

let photoCount = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 4 : 4
let rounds = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 3 : 3

func shell(_ arguments: [String]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        fatalError("cannot run \(arguments[0]): \(error)")
    }
    guard process.terminationStatus == 0 else { fatalError("\(arguments.joined(separator: " ")) failed") }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Runs a baseline tool and returns its own peak resident memory in kilobytes
/// (wait4 reports each child's, so fixture making does not count).
func runMeasured(_ arguments: [String]) -> Int {
    var pid: pid_t = 0
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    guard posix_spawnp(&pid, arguments[0], nil, nil, argv, environ) == 0 else { fatalError("cannot run \(arguments[0])") }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    guard status == 0 else { fatalError("\(arguments.joined(separator: " ")) failed") }
    return usage.ru_maxrss
}

func selfPeakKilobytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}

let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("microcast-bench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
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

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let preset = try Presets.load(from: repository.appendingPathComponent("Presets")).photo
let outputs = preset.widths.count * preset.encodings.count
print("photo renditions: \(photoCount) × 4000×3000 JPEG → \(outputs) files each (\(preset.widths) px; \(preset.encodings.map(\.format.rawValue)))")

var inProcess: [Double] = []
var baseline: [Double] = []
var baselinePeak = 0
for _ in 0..<rounds {
    inProcess.append(try seconds {
        for photo in photos {
            for rendition in try PhotoRenditions.make(from: photo.path, preset: preset) {
                try rendition.data.write(to: folder.appendingPathComponent("ours-\(rendition.width).\(rendition.format.fileExtension)"))
            }
        }
    })
    baseline.append(seconds {
        for photo in photos {
            for width in preset.widths {
                for encoding in preset.encodings {
                    let suffix = encoding.format == .jpeg ? "jpg" : "webp"
                    baselinePeak = max(baselinePeak, runMeasured([
                        "vipsthumbnail", photo.path, "--size", "\(width)x", "--export-profile", "srgb",
                        "-o", folder.appendingPathComponent("cli-\(width).\(suffix)[Q=\(encoding.quality),strip]").path,
                    ]))
                }
            }
        }
    })
}

let ours = inProcess.sorted()[rounds / 2]
let theirs = baseline.sorted()[rounds / 2]
print(String(format: "in-process:    %.3f s for %d photos (%.2f photos/s)", ours, photoCount, Double(photoCount) / ours))
print(String(format: "vipsthumbnail: %.3f s for %d photos (%.2f photos/s)", theirs, photoCount, Double(photoCount) / theirs))
print(String(format: "speed ratio (vipsthumbnail time / in-process time): %.2f×", theirs / ours))
print("peak memory: in-process \(selfPeakKilobytes() / 1024) MB (whole process); largest vipsthumbnail run \(baselinePeak / 1024) MB")
