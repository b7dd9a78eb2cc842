// Photo renditions, in-process with libvips, side by side with what a user
// would otherwise run: `vipsthumbnail` once per output file. Same source, same
// widths, same formats, same qualities, in the same run.
import Foundation
import Glibc
import MediaKit

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
    let outputs = preset.widths.count * preset.encodings.count
    print("photo renditions: \(photoCount) × 4000×3000 JPEG → \(outputs) files each (\(preset.widths) px; \(preset.encodings.map(\.format.rawValue)))")

    var inProcess: [Double] = []
    var baseline: [Double] = []
    var baselinePeak = 0
    for _ in 0..<rounds {
        inProcess.append(try seconds {
            for photo in photos {
                for rendition in try PhotoRenditions.make(from: photo.path, preset: preset).renditions {
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

    let ours = median(inProcess)
    let theirs = median(baseline)
    print(String(format: "in-process:    %.3f s for %d photos (%.2f photos/s)", ours, photoCount, Double(photoCount) / ours))
    print(String(format: "vipsthumbnail: %.3f s for %d photos (%.2f photos/s)", theirs, photoCount, Double(photoCount) / theirs))
    print(String(format: "speed ratio (vipsthumbnail time / in-process time): %.2f×", theirs / ours))
    print("peak memory: in-process \(selfPeakKilobytes() / 1024) MB (whole process); largest vipsthumbnail run \(baselinePeak / 1024) MB")
}
