import Foundation
import MediaEngine
import MediaModel
import Synchronization
import TestSupport
import Testing

@testable import MediaKit

@Suite("Photo renditions") @MediaThread
struct PhotoRenditionTests {
    let folder: URL
    let preset = PhotoPreset(
        widths: [320, 640, 1280],
        encodings: [.init(format: .jpeg, quality: 80), .init(format: .webp, quality: 75)]
    )

    init() throws { folder = try Fixtures.folder() }

    @Test("a sideways camera photo comes out upright, with no EXIF, GPS or camera data, in JPEG and WebP")
    func uprightAndStripped() async throws {
        let source = try await Fixtures.sidewaysJPEGWithGPS(in: folder)
        let renditions = try PhotoRenditions.make(from: source.path, preset: preset, budget: DecodeBudget()).renditions
        // Displayed 480 wide: one 320 rendition and one at its own 480, in both formats.
        #expect(renditions.map(\.width) == [320, 320, 480, 480])
        for (index, rendition) in renditions.enumerated() {
            #expect(rendition.height > rendition.width, "stored 640×480 with orientation 6 must come out portrait")
            let file = folder.appendingPathComponent("out-\(index).\(rendition.format.fileExtension)")
            try rendition.data.write(to: file)
            #expect(try await Fixtures.leakedMetadata(of: file) == [], "\(rendition.format) kept metadata")
            let probe = try Prober.probe(path: file.path)
            #expect(probe.width == rendition.width && probe.height == rendition.height)
            #expect(probe.orientation == nil || probe.orientation == 1)
            #expect(probe.hasGPS == false)
        }
    }

    @Test("nothing is upscaled and no two renditions share a size")
    func widths() {
        #expect(preset.widths(forDisplayWidth: 4000) == [320, 640, 1280])
        #expect(preset.widths(forDisplayWidth: 1280) == [320, 640, 1280])
        #expect(preset.widths(forDisplayWidth: 500) == [320, 500])
        #expect(preset.widths(forDisplayWidth: 200) == [200])
    }

    @Test("the copyright notice can be kept while everything else goes")
    func keepCopyright() async throws {
        let source = try await Fixtures.sidewaysJPEGWithGPS(in: folder)
        try Fixtures.run("exiftool", ["-q", "-overwrite_original", "-Copyright=© Test Owner", source.path])
        var keeping = preset
        keeping.keepCopyright = true
        keeping.encodings = [.init(format: .jpeg, quality: 80)]
        let first = try #require(try PhotoRenditions.make(from: source.path, preset: keeping, budget: DecodeBudget()).renditions.first)
        let file = folder.appendingPathComponent("kept.jpg")
        try first.data.write(to: file)
        let tags = try await Fixtures.metadata(of: file)
        #expect(tags.keys.contains { $0.hasSuffix(":Copyright") })
        #expect(!tags.keys.contains { $0.hasPrefix("GPS:") || $0.hasSuffix(":Make") || $0.hasSuffix(":SerialNumber") })
    }

    @Test("a progressive JPEG's unstreamable decoder memory is known from its header, and decodes take turns within the budget")
    func progressiveBudget() async throws {
        let folder = try Fixtures.folder()
        let source = try await Fixtures.png(in: folder, name: "budget.png", size: "800x600")
        let progressive = folder.appendingPathComponent("progressive.jpg")
        try Fixtures.run("vips", ["copy", source.path, "\(progressive.path)[interlace,Q=80,subsample-mode=on]"])
        let baseline = folder.appendingPathComponent("baseline.jpg")
        try Fixtures.run("vips", ["copy", source.path, "\(baseline.path)[Q=80]"])
        // 4:2:0: luma 100 × 75 blocks, each chroma 50 × 38, 128 bytes a block.
        #expect(DecodeBudget.estimate(path: progressive.path) == (100 * 75 + 2 * 50 * 38) * 128)
        #expect(DecodeBudget.estimate(path: baseline.path) == 0)

        let budget = DecodeBudget(bytes: 100)
        let occupancy = Mutex((inside: 0, most: 0))
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            try? budget.withReservation(60) { () throws(MediaError) in
                occupancy.withLock {
                    $0.inside += 1
                    $0.most = max($0.most, $0.inside)
                }
                usleep(20_000)
                occupancy.withLock { $0.inside -= 1 }
            }
        }
        #expect(occupancy.withLock { $0.most } == 1, "two 60-byte decodes never share a 100-byte budget")
    }

    @Test("AVIF, TIFF and WebP inputs become renditions of the right size")
    func otherInputs() async throws {
        let folder = try Fixtures.folder()
        let source = try await Fixtures.png(in: folder, name: "source.png", size: "900x600")
        let preset = PhotoPreset(widths: [320, 640, 1280], encodings: [.init(format: .jpeg, quality: 80)])
        for format in ["avif", "tif", "webp"] {
            let file = folder.appendingPathComponent("input.\(format)")
            try Fixtures.run("vips", ["copy", source.path, file.path])
            let made = try PhotoRenditions.make(from: file.path, preset: preset, budget: DecodeBudget()).renditions
            #expect(Set(made.map(\.width)) == [320, 640, 900], "\(format)")
            #expect(made.allSatisfy { abs($0.height * 3 - $0.width * 2) <= 3 }, "\(format) keeps its shape")
        }
    }

    @Test("a Display P3 photo is converted to sRGB, not just stripped of its profile")
    func colourManaged() async throws {
        let folder = try Fixtures.folder()
        let preset = PhotoPreset(widths: [320], encodings: [.init(format: .jpeg, quality: 90)])
        let source = try await Fixtures.png(in: folder, name: "srgb.png", size: "320x240")
        let p3 = folder.appendingPathComponent("p3.jpg")
        try Fixtures.run("vips", ["icc_transform", source.path, "\(p3.path)[Q=95]", "p3", "--input-profile", "srgb"])
        func average(_ file: URL) throws -> Double {
            Double(String(decoding: try Fixtures.run("vips", ["avg", file.path]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                ?? .nan
        }
        let rendition = try #require(
            try PhotoRenditions.make(from: p3.path, preset: preset, budget: DecodeBudget()).renditions.first { $0.format == .jpeg && $0.width == 320 }
        )
        let out = folder.appendingPathComponent("p3-out.jpg")
        try rendition.data.write(to: out)
        #expect(try Prober.probe(path: out.path).colorProfile == nil)
        // Back in sRGB the pixels match the sRGB original; left as P3 values they would not.
        #expect(abs(try average(out) - (try average(source))) < 3)
        #expect(abs(try average(p3) - (try average(source))) > 10)
    }

    @Test("a decode whose job is stopped ends by itself in libvips, as interrupted, and the image is freed")
    func stoppedDecode() throws {
        // 8000×8000 takes libvips many tiles to decode, so its progress check runs.
        let source = folder.appendingPathComponent("large.png")
        _ = try Fixtures.run("vips", ["black", source.path, "8000", "8000", "--bands", "3"])
        let control = JobControl()
        let image = try VipsImageRef.open(path: source.path).stopping(with: control)
        control.cancel()
        #expect {
            _ = try image.resized(by: 0.5).inMemory()
        } throws: { error in
            guard let error = error as? MediaError, case .interrupted = error else { return false }
            return true
        }
        // The same file decodes when nothing stops it.
        #expect(try VipsImageRef.open(path: source.path).stopping(with: JobControl()).resized(by: 0.05).inMemory().width == 400)
    }
}

@Suite("Format sniffing") @MediaThread
struct FormatSnifferTests {
    @Test("formats are told apart by their first bytes")
    func magic() {
        #expect(FormatSniffer.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(FormatSniffer.sniff(Array("GIF89a".utf8)) == .gif)
        #expect(FormatSniffer.sniff(Array("RIFF\0\0\0\0WEBPVP8 ".utf8)) == .webp)
        #expect(FormatSniffer.sniff(Array("RIFF\0\0\0\0WAVEfmt ".utf8)) == .wav)
        #expect(FormatSniffer.sniff(Array("\0\0\0\u{18}ftypheic\0\0\0\0mif1heic".utf8)) == .heic)
        #expect(FormatSniffer.sniff(Array("\0\0\0\u{1C}ftypavif\0\0\0\0avifmif1miaf".utf8)) == .avif)
        #expect(FormatSniffer.sniff(Array("\0\0\0\u{18}ftypM4A \0\0\0\0M4A isom".utf8)) == .m4a)
        #expect(FormatSniffer.sniff(Array("\0\0\0\u{14}ftypqt  \0\0\0\0qt  ".utf8)) == .mov)
        #expect(FormatSniffer.sniff(Array("ID3\u{04}\0".utf8)) == .mp3)
        #expect(FormatSniffer.sniff(Array("fLaC".utf8)) == .flac)
        #expect(FormatSniffer.sniff(Array("WEBVTT\n\n00:00.000 --> 00:01.000".utf8)) == .vtt)
        #expect(FormatSniffer.sniff(Array("\u{FEFF}WEBVTT\n".utf8)) == .vtt)
        #expect(FormatSniffer.sniff(Array("1\n00:00:01,000 --> 00:00:04,000\nHi".utf8)) == .srt)
        #expect(FormatSniffer.sniff(Array(#"{ "version": "1.2.0", "chapters": []}"#.utf8)) == .chapters)
        #expect(FormatSniffer.sniff(Array("hello, world".utf8)) == nil)
        #expect(FormatSniffer.sniff(Array(#"{"name": "not chapters"}"#.utf8)) == nil)
        #expect(FormatSniffer.sniff(Array("%PDF-1.7".utf8)) == nil)
        #expect(FormatSniffer.sniff(Array("<svg xmlns=".utf8)) == nil)
    }
}

@Suite("WebP metadata chunks") @MediaThread
struct StripWebPChunksTests {
    @Test("EXIF and XMP chunks are removed, their flags cleared and the RIFF size fixed")
    func strip() throws {
        func chunk(_ name: String, _ payload: [UInt8]) -> [UInt8] {
            let size = UInt32(payload.count)
            return Array(name.utf8) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24)]
                + payload + (payload.count % 2 == 1 ? [0] : [])
        }
        let vp8x = chunk("VP8X", [0x08 | 0x04 | 0x10, 0, 0, 0, 1, 0, 0, 1, 0, 0])
        let body = vp8x + chunk("VP8 ", [1, 2, 3]) + chunk("EXIF", [9, 9, 9, 9]) + chunk("XMP ", [7])
        let riffSize = UInt32(4 + body.count)
        let file = Array("RIFF".utf8) + [UInt8(riffSize & 0xFF), UInt8(riffSize >> 8 & 0xFF), 0, 0] + Array("WEBP".utf8) + body
        let stripped = [UInt8](try StripWebPChunks.run(Data(file)))
        let expectedBody = chunk("VP8X", [0x10, 0, 0, 0, 1, 0, 0, 1, 0, 0]) + chunk("VP8 ", [1, 2, 3])
        #expect(Array(stripped[12...]) == expectedBody)
        #expect(Int(stripped[4]) | Int(stripped[5]) << 8 == 4 + expectedBody.count)
    }
}

@Suite("Show artwork") @MediaThread
struct ShowArtworkTests {
    @Test("the owner's image becomes a square JPEG of at least 1400 px, metadata stripped; a title card is made otherwise")
    func artwork() async throws {
        let folder = try Fixtures.folder()
        let source = try await Fixtures.sidewaysJPEGWithGPS(in: folder)
        let square = folder.appendingPathComponent("square.jpg")
        try ShowArtwork.make(from: source.path).write(to: square)
        let probe = try Prober.probe(path: square.path)
        #expect(probe.format == "jpeg" && probe.width == 1400 && probe.height == 1400)
        #expect(try await Fixtures.leakedMetadata(of: square) == [])

        let card = folder.appendingPathComponent("card.jpg")
        try ShowArtwork.titleCard("Tea & Talk").write(to: card)
        let cardProbe = try Prober.probe(path: card.path)
        #expect(cardProbe.width == 1400 && cardProbe.height == 1400 && cardProbe.colorSpace == "srgb")
    }
}
