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

    @Test("a phone video and a tagged M4A with a cover lose their tags, cover and chapters; streams, duration and rotation stay")
    func recordings() async throws {
        let folder = try Fixtures.folder()
        let video = try await Fixtures.phoneVideo(in: folder)
        let png = try await Fixtures.png(in: folder, name: "cover.png", size: "300x300")
        let tone = try await Fixtures.tone(in: folder, name: "tone.wav", seconds: 2)
        let memo = folder.appendingPathComponent("memo.m4a")
        try Fixtures.run(
            "ffmpeg",
            [
                "-v", "error", "-y", "-i", tone.path, "-i", png.path, "-map", "0:a", "-map", "1:v", "-c:a", "aac", "-c:v", "png",
                "-disposition:v", "attached_pic", "-metadata", "location=+51.5007-000.1246/", "-metadata", "title=Kitchen",
                memo.path,
            ]
        )
        for (source, format) in [(video, MediaFormat.mov), (memo, .m4a)] {
            #expect(!(try await Fixtures.locationTags(of: source)).isEmpty, "the fixture has a location to lose")
            let copy = folder.appendingPathComponent("public.\(format.fileExtension)")
            #expect(try RemoveLocation.copy(from: source.path, format: format, to: copy) == .remuxed)
            #expect(try await Fixtures.locationTags(of: copy) == [])
            let (before, after) = (try await Fixtures.ffprobe(source), try await Fixtures.ffprobe(copy))
            let tags = (after["format"] as? [String: Any])?["tags"] as? [String: String] ?? [:]
            #expect(tags.keys.allSatisfy { ["major_brand", "minor_version", "compatible_brands"].contains($0) }, "\(tags)")
            let codecs = { (probe: [String: Any]) in
                (probe["streams"] as? [[String: Any]] ?? []).filter { ($0["disposition"] as? [String: Int])?["attached_pic"] != 1 }
                    .compactMap { $0["codec_name"] as? String }
            }
            #expect(codecs(after) == codecs(before) && !codecs(after).isEmpty)
            #expect((after["streams"] as? [[String: Any]])?.count == codecs(before).count, "the cover picture went")
            let seconds = { (probe: [String: Any]) in Double((probe["format"] as? [String: Any])?["duration"] as? String ?? "") ?? 0 }
            #expect(abs(seconds(after) - seconds(before)) < 0.05)
            #expect(try Prober.probe(path: copy.path).mimeType == format.mimeType)
        }
        // Still turned by its display matrix: players show it upright.
        let turned = try Prober.probe(path: folder.appendingPathComponent("public.mov").path)
        #expect(turned.streams.first { $0.type == .video }?.rotation.map(abs) == 90)
    }
}
