import Foundation
import MicrocastCore
import TestSupport
import Testing

/// Pages and feeds as podcast apps and feed readers poll them: compressed as
/// the client asks, each encoding with its own validator, and one rendering
/// however many ask at once.
@Suite("Pages and feeds at polling rates")
struct PollingTests {
    @Test("gzip and Brotli as Accept-Encoding asks, decoding to the same feed; each encoding its own ETag and 304")
    func compressedAnswers() async throws {
        try await TestSite.run { site in
            let token = try await site.token("create")
            for index in 0..<30 {
                _ = try site.created(
                    try await site.postForm([("h", "entry"), ("content", "Note \(index) about the weather & the tea")], token: token)
                )
            }
            let plain = try await site.get("/feed.xml", headers: [("Accept-Encoding", "identity")])
            #expect(plain.status == .ok && plain.headers.first(name: "Content-Encoding") == nil)
            #expect(plain.headers.first(name: "Vary")?.contains("Accept-Encoding") == true)

            var etags: Set<String> = []
            for (header, expected) in [("gzip, deflate", "gzip"), ("br;q=1.0, gzip;q=0.5", "br"), ("gzip;q=0, br;q=0", nil), ("*", "br")] {
                let answer = try await site.get("/feed.xml", headers: [("Accept-Encoding", header)])
                #expect(answer.status == .ok)
                #expect(answer.headers.first(name: "Content-Encoding") == expected, "\(header)")
                if expected != nil { #expect(answer.body.count < plain.body.count / 2, "\(header): \(answer.body.count) bytes") }
                etags.insert(answer.headers.first(name: "ETag") ?? "")
                // As clients decode it: curl's own gzip and Brotli decoders.
                let decoded = try await Fixtures.runOffPool(
                    "curl",
                    ["-s", "--compressed", "-H", "Accept-Encoding: \(header)", site.base + "/feed.xml"]
                )
                #expect(decoded == plain.body, "\(header)")
            }
            #expect(etags.count == 3, "\(etags)")

            // A 304 for the representation the client holds, not another's.
            let gzipped = try await site.get("/feed.xml", headers: [("Accept-Encoding", "gzip")])
            let gzipTag = try #require(gzipped.headers.first(name: "ETag"))
            let again = try await site.get("/feed.xml", headers: [("Accept-Encoding", "gzip"), ("If-None-Match", gzipTag)])
            #expect(again.status == .notModified && again.body.isEmpty)
            let otherEncoding = try await site.get("/feed.xml", headers: [("Accept-Encoding", "identity"), ("If-None-Match", gzipTag)])
            #expect(otherEncoding.status == .ok && otherEncoding.body == plain.body)
            // HEAD says what GET would send.
            let head = try await site.request("/feed.xml", method: .HEAD, headers: [("Accept-Encoding", "br")])
            #expect(head.headers.first(name: "Content-Encoding") == "br" && head.body.isEmpty)
            #expect(
                head.headers.first(name: "Content-Length") == String(try await site.get("/feed.xml", headers: [("Accept-Encoding", "br")]).body.count)
            )
        }
    }

    @Test("sixteen readers asking for the feed at once after a new post get the new feed from one rendering")
    func oneRenderingForConcurrentReaders() async throws {
        try await TestSite.run { site in
            let token = try await site.token("create")
            for index in 0..<200 {
                _ = try site.created(try await site.postForm([("h", "entry"), ("content", "Note \(index)")], token: token))
            }
            _ = try await site.get("/feed.xml")
            _ = try site.created(try await site.postForm([("h", "entry"), ("content", "The newest note")], token: token))
            let before = try await MetricsTests.scrape(site).value("microcast_page_renderings_total")
            let answers = try await withThrowingTaskGroup(of: TestSite.Reply.self) { group in
                for _ in 0..<16 { group.addTask { try await site.get("/feed.xml") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == .ok && $0.text.contains("The newest note") })
            #expect(Set(answers.map(\.body)).count == 1)
            let after = try await MetricsTests.scrape(site).value("microcast_page_renderings_total")
            #expect(after - before == 1, "renderings: \(after - before)")
        }
    }
}
