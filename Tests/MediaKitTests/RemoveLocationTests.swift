import Foundation
import MediaModel
import TestSupport
import Testing

@testable import MediaKit

/// The public copy of every photo format we accept: no location left, same
/// picture, by the method docs/photos-and-video.md promises for that format.
@Suite("Location removal") @MediaThread
struct RemoveLocationTests {
    @Test(
        "each format loses its GPS tags, keeps its size, and is rewritten losslessly where the docs say so",
        arguments: [
            (MediaFormat.png, RemoveLocation.Method.lossless), (.webp, .lossless), (.tiff, .reencoded), (.heic, .reencoded),
            (.avif, .reencoded),
        ]
    )
    func format(_ format: MediaFormat, method: RemoveLocation.Method) async throws {
        let folder = try Fixtures.folder()
        let png = try await Fixtures.png(in: folder, name: "source.png", size: "320x240")
        let photo = folder.appendingPathComponent("photo.\(format.fileExtension)")
        if format == .png {
            try FileManager.default.copyItem(at: png, to: photo)
        } else {
            try Fixtures.run("vips", ["copy", png.path, photo.path])
        }
        try Fixtures.run(
            "exiftool",
            [
                "-q", "-q", "-m", "-overwrite_original", "-GPSLatitude=51.5007", "-GPSLatitudeRef=N", "-GPSLongitude=0.1246",
                "-GPSLongitudeRef=W", photo.path,
            ]
        )
        #expect(!(try await Fixtures.locationTags(of: photo)).isEmpty, "the fixture has a location to lose")

        let copy = folder.appendingPathComponent("public.\(format.fileExtension)")
        #expect(try RemoveLocation.copy(from: photo.path, format: format, to: copy) == method)
        #expect(try await Fixtures.locationTags(of: copy) == [])
        let probe = try Prober.probe(path: copy.path)
        #expect(probe.mimeType == format.mimeType)
        #expect([probe.width, probe.height] == [320, 240])
        if method == .lossless {
            // The same decoded pixels: only metadata went.
            let digest = { (file: URL) throws -> Data in try Fixtures.run("ffmpeg", ["-v", "error", "-i", file.path, "-f", "md5", "-"]) }
            #expect(try digest(copy) == digest(photo))
        }
    }
}
