import Foundation
import MediaKit
import MediaModel
import TestSupport
import Testing

@Suite("Serving media files: ranges, HEAD, ETag and 304")
struct FileServingTests {
    @Test("byte ranges, HEAD and conditional requests on an uploaded MP3")
    func ranges() async throws {
        try await TestSite.run { site in
            let file = try await Fixtures.tone(in: try Fixtures.folder(), seconds: 2)
            let location = try #require(try await site.upload(file, token: try await site.token("media")).headers.first(name: "Location"))
            #expect(location.hasSuffix(".mp3"))

            let whole = try await site.get(location)
            #expect(whole.status == .ok)
            // The upload without its tags (the public copy), the same sound.
            let bytes = whole.body
            let size = bytes.count
            #expect(size > 10_000)
            #expect(whole.headers.first(name: "Content-Type") == "audio/mpeg")
            #expect(whole.headers.first(name: "Accept-Ranges") == "bytes")
            let etag = try #require(whole.headers.first(name: "ETag"))
            #expect(etag.hasPrefix("\"") && !etag.hasPrefix("W/"))
            let lastModified = try #require(whole.headers.first(name: "Last-Modified"))

            let firstTwo = try await site.get(location, headers: [("Range", "bytes=0-1")])
            #expect(firstTwo.status == .partialContent)
            #expect(firstTwo.headers.first(name: "Content-Range") == "bytes 0-1/\(size)")
            #expect(firstTwo.body == bytes.prefix(2))

            let tail = try await site.get(location, headers: [("Range", "bytes=-500")])
            #expect(tail.status == .partialContent)
            #expect(tail.headers.first(name: "Content-Range") == "bytes \(size - 500)-\(size - 1)/\(size)")
            #expect(tail.body == bytes.suffix(500))

            let rest = try await site.get(location, headers: [("Range", "bytes=1000-")])
            #expect(rest.body == bytes.dropFirst(1000))

            let pastEnd = try await site.get(location, headers: [("Range", "bytes=\(size)-")])
            #expect(pastEnd.status == .rangeNotSatisfiable)
            #expect(pastEnd.headers.first(name: "Content-Range") == "bytes */\(size)")

            let head = try await site.request(location, method: .HEAD)
            #expect(head.status == .ok)
            #expect(head.body.isEmpty)
            #expect(head.headers.first(name: "Content-Length") == "\(size)")
            #expect(head.headers.first(name: "ETag") == etag)

            let headRange = try await site.request(location, method: .HEAD, headers: [("Range", "bytes=0-1")])
            #expect(headRange.status == .partialContent)
            #expect(headRange.headers.first(name: "Content-Range") == "bytes 0-1/\(size)")
            #expect(headRange.body.isEmpty)

            let cached = try await site.get(location, headers: [("If-None-Match", etag)])
            #expect(cached.status == .notModified)
            #expect(cached.body.isEmpty)
            let since = try await site.get(location, headers: [("If-Modified-Since", lastModified)])
            #expect(since.status == .notModified)

            let staleIfRange = try await site.get(location, headers: [("Range", "bytes=0-1"), ("If-Range", "\"stale\"")])
            #expect(staleIfRange.status == .ok)
            #expect(staleIfRange.body == bytes)
            let freshIfRange = try await site.get(location, headers: [("Range", "bytes=0-1"), ("If-Range", etag)])
            #expect(freshIfRange.status == .partialContent)

            #expect(try await site.get("/media/aaaaaaaaaaaaaaaaaaaa.mp3").status == .notFound)
            #expect(try await site.get("/media/r/..%2Fmicrocast.sqlite").status == .notFound)
        }
    }

    @Test("Expect: 100-continue is answered, so curl sends a large upload at once")
    func expectContinue() async throws {
        try await TestSite.run { site in
            let photo = try await Fixtures.png(in: try Fixtures.folder(), size: "1600x1200")
            let token = try await site.token("media")
            let output = try await Fixtures.runOffPool(
                "sh",
                [
                    "-c",
                    "curl -sS -v -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' -H \"Authorization: Bearer $1\" -F \"file=@$2\" \"$3\" 2>&1",
                    "sh", token, photo.path, site.base + "/micropub/media",
                ]
            )
            let transcript = String(decoding: output, as: UTF8.self)
            #expect(transcript.contains("HTTP/1.1 100 Continue"))
            #expect(transcript.hasSuffix("201"))
        }
    }
}
