import Foundation
import Testing

@testable import MicrocastCore

@Suite("Archive document")
struct ArchiveDocumentTests {
    static let urls = SiteURLs(base: "https://old.example")

    static func snapshot() -> StoreSnapshot {
        var snapshot = StoreSnapshot()
        let published = Date(timeIntervalSince1970: 1_800_000_000.123)
        snapshot.posts = [
            .init(
                post: Post(id: 1, slug: "bread", properties: ["content": [.string("Bread")], "category": [.string("baking")]], published: published),
                createdAt: published
            ),
            .init(
                post: Post(
                    id: 2,
                    slug: "old",
                    properties: ["uid": [.string("tag:old.host,2019:1")], "name": [.string("Old")]],
                    published: published
                ),
                createdAt: published
            ),
        ]
        snapshot.settings = [
            "site.title": "Crumbs", SettingKey.fediverse(.privateKey).name: "-----BEGIN PRIVATE KEY-----",
            SettingKey.fediverse(.publicKey).name: "-----BEGIN PUBLIC KEY-----",
        ]
        snapshot.tokens = [AccessToken(hash: "h", scope: ScopeSet("create"), clientId: "https://app.example/")]
        snapshot.redirects = [Redirect(path: "/?p=1", target: "/posts/bread", createdAt: published)]
        return snapshot
    }

    @Test(
        "JSON Feed 1.1 outside, every row inside: read back the same to the millisecond, without credentials, the show's guid and each post's uid written down"
    )
    func roundTrip() throws {
        let document = ArchiveDocument(
            snapshot: Self.snapshot(),
            title: "Crumbs",
            urls: Self.urls,
            exportedAt: Date(timeIntervalSince1970: 1_900_000_000)
        )
        let data = try document.encoded()
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["version"] as? String == "https://jsonfeed.org/version/1.1")
        let items = try #require(json["items"] as? [[String: Any]])
        #expect(items.map { $0["url"] as? String } == ["https://old.example/posts/bread", "https://old.example/posts/old"])
        #expect(items.map { $0["id"] as? String } == ["https://old.example/posts/bread", "tag:old.host,2019:1"])
        #expect(items.first?["date_published"] as? String == "2027-01-15T08:00:00.123Z")
        #expect(items.first?["content_text"] as? String == "Bread" && items.first?["tags"] as? [String] == ["baking"])
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("PRIVATE KEY") && !text.contains("PUBLIC KEY"))

        let read = try ArchiveDocument.decode(data)
        #expect(read == document)
        let restored = read.snapshot
        #expect(restored.tokens.isEmpty && restored.redirects == Self.snapshot().redirects)
        #expect(restored.settings["site.title"] == "Crumbs")
        #expect(restored.settings[SettingKey.show(.guid).name] == ShowSettings.podcastGUID(feedURL: Self.urls.podcastFeed))
        #expect(restored.posts.map { $0.post.strings("uid") } == [["https://old.example/posts/bread"], ["tag:old.host,2019:1"]])
        #expect(restored.posts.map(\.post.published) == Self.snapshot().posts.map(\.post.published))
    }

    @Test("an archive of a newer format is refused with what to do")
    func newerFormat() throws {
        var document = ArchiveDocument(snapshot: StoreSnapshot(), title: "x", urls: Self.urls, exportedAt: Date())
        document.contents.format = ArchiveDocument.currentFormat + 1
        #expect(throws: ArchiveError.newerFormat(ArchiveDocument.currentFormat + 1)) { try ArchiveDocument.decode(try document.encoded()) }
        #expect(ArchiveError.newerFormat(2).description.contains("upgrade Microcast"))
    }
}
