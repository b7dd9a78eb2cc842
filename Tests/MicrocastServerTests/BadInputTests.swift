import Foundation
import MediaKit
import MediaModel
import TestSupport
import Testing

@Suite("Bad uploads are refused with a reason and leave nothing behind")
struct BadInputTests {
    @Test("empty, fake, truncated, partless, oversized and unauthorised uploads")
    func badUploads() async throws {
        var limits = MediaLimits()
        limits.maxUploadBytes = 200_000
        try await TestSite.run(limits: limits) { site in
            let folder = try Fixtures.folder()
            let token = try await site.token("create media")

            let empty = folder.appendingPathComponent("empty.jpg")
            try Data().write(to: empty)
            let reply = try await site.upload(empty, token: token)
            #expect(reply.status == .badRequest)
            #expect(reply.json["error"] as? String == "invalid_request")
            #expect(reply.json["error_description"] as? String == "the file is empty")

            let text = folder.appendingPathComponent("holiday.jpg")
            try Data("this is not a photo at all\n".utf8).write(to: text)
            let fake = try await site.upload(text, token: token)
            #expect(fake.status == .unsupportedMediaType)
            #expect(fake.json["error"] as? String == "invalid_request")

            let whole = try await Data(contentsOf: Fixtures.sidewaysJPEGWithGPS(in: folder))
            let cut = folder.appendingPathComponent("cut.jpg")
            try whole.prefix(whole.count / 2).write(to: cut)
            let truncated = try await site.upload(cut, token: token)
            #expect(truncated.status == .unprocessableEntity)
            #expect((truncated.json["error_description"] as? String)?.contains("truncated") == true)

            let noPart = try await site.upload(nil, token: token)
            #expect(noPart.status == .badRequest)
            #expect((noPart.json["error_description"] as? String)?.contains("\"file\"") == true)

            // A JPEG's first bytes, then noise: refused while streaming, before any decoding.
            let big = folder.appendingPathComponent("big.jpg")
            try (Data([0xFF, 0xD8, 0xFF, 0xE0]) + Data((0..<300_000).map { _ in UInt8.random(in: 0...255) })).write(to: big)
            let oversized = try await site.upload(big, token: token)
            #expect(oversized.status == .payloadTooLarge)

            let bomb = try await site.upload(try await Fixtures.decompressionBomb(in: folder), token: token)
            #expect(bomb.status == .payloadTooLarge)
            #expect((bomb.json["error_description"] as? String)?.contains("megapixels") == true)

            let png = try await Fixtures.png(in: folder)
            let wrong = try await site.upload(png, token: "not-a-real-token")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.json["error"] as? String == "unauthorized")
            let missing = try await site.upload(png, token: nil)
            #expect(missing.status == .unauthorized)
            let readOnly = try await site.upload(png, token: try await site.token("update"))
            #expect(readOnly.status == .forbidden)
            #expect(readOnly.json["error"] as? String == "insufficient_scope")

            // Still up, and nothing was kept from any of them.
            #expect(try await site.get("/health").status == .ok)
            #expect(site.files(in: "originals") == [])
            #expect(site.files(in: "uploads") == [])
            #expect(site.files(in: "renditions") == [])
        }
    }

    @Test("a truncated MP4, a MOV without moov, a real PNG bomb and an SVG are refused over HTTP; the server stays up")
    func badMedia() async throws {
        try await TestSite.run { site in
            let folder = try Fixtures.folder()
            let token = try await site.token("media")

            let cut = try await Fixtures.truncatedMP4(in: folder)
            let truncated = try await site.upload(cut, token: token)
            #expect(truncated.status == .unprocessableEntity)
            #expect((truncated.json["error_description"] as? String)?.contains("truncated") == true)

            let mov = try Data(contentsOf: try await Fixtures.phoneVideo(in: folder, seconds: 1))
            let headless = folder.appendingPathComponent("headless.mov")
            try mov.prefix(mov.count * 8 / 10).write(to: headless)
            #expect(try await site.upload(headless, token: token).status == .unprocessableEntity)

            let bomb = try await site.upload(try await Fixtures.pngBomb(in: folder), token: token)
            #expect(bomb.status == .payloadTooLarge)
            #expect((bomb.json["error_description"] as? String)?.contains("30000×30000") == true)

            let svg = folder.appendingPathComponent("drawing.svg")
            try Data(#"<svg xmlns="http://www.w3.org/2000/svg"><image href="http://169.254.169.254/x.png"/></svg>"#.utf8).write(to: svg)
            #expect(try await site.upload(svg, token: token).status == .unsupportedMediaType)

            #expect(try await site.get("/health").status == .ok)
            #expect(site.files(in: "originals") == [])
            #expect(site.files(in: "uploads") == [])
        }
    }

    @Test("Micropub create needs the create scope and a well-formed body")
    func micropubErrors() async throws {
        try await TestSite.run { site in
            let mediaOnly = try await site.token("media")
            let forbidden = try await site.postForm([("h", "entry"), ("content", "hi")], token: mediaOnly)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.json["error"] as? String == "insufficient_scope")
            let malformed = try await site.postJSON("{\"type\": \"h-entry\"", token: try await site.token("create"))
            #expect(malformed.status == .badRequest)
            #expect(malformed.json["error"] as? String == "invalid_request")
            let noToken = try await site.request("/micropub?q=config")
            #expect(noToken.status == .unauthorized)
            #expect(noToken.headers.first(name: "WWW-Authenticate") == "Bearer")
        }
    }

    @Test("q=config names the absolute media endpoint")
    func config() async throws {
        try await TestSite.run { site in
            let reply = try await site.get("/micropub?q=config", headers: [("Authorization", "Bearer \(try await site.token("create"))")])
            #expect(reply.status == .ok)
            #expect(reply.json["media-endpoint"] as? String == site.base + "/micropub/media")
        }
    }
}
