import Foundation
import MicrocastCore
import TestSupport
import Testing

/// `microcast import jsonfeed`, with a feed on disk as an export leaves it:
/// a JSON Feed beside the folders of the files it names.
@Suite("Importing a JSON Feed")
struct JSONFeedImportTests {
    @Test("every item becomes a post with its content, images brought home, tags and recording; old URLs redirect; a second run changes nothing")
    func importsFile() async throws {
        let export = try Fixtures.folder()
        let uploads = export.appendingPathComponent("uploads", isDirectory: true)
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        _ = try await Fixtures.png(in: uploads, name: "cup.png")
        _ = try await Fixtures.tone(in: uploads, name: "kettle.mp3", seconds: 2, title: "Kettle")
        let feed: [String: Any] = [
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Tea Time",
            "items": [
                [
                    "id": "1", "url": "https://old.example/2024/01/tea", "title": "Tea",
                    "content_html": #"<p>Hot <img src="uploads/cup.png" alt="A cup"></p><script>alert(1)</script>"#,
                    "date_published": "2024-01-02T10:00:00Z", "tags": ["drinks"],
                ],
                ["id": "2", "content_text": "Just a note", "date_published": "2024-01-03T10:00:00Z"],
                [
                    "id": 3, "title": "Kettle song", "date_published": "2024-01-04T10:00:00Z",
                    "attachments": [["url": "uploads/kettle.mp3", "mime_type": "audio/mpeg"]],
                ],
                [
                    "id": "4", "title": "Outside", "date_published": "2024-01-05T10:00:00Z",
                    "attachments": [["url": "../../../etc/hostname", "mime_type": "image/png"]],
                ],
            ],
        ]
        let file = export.appendingPathComponent("feed.json")
        try JSONSerialization.data(withJSONObject: feed).write(to: file)

        try await TestSite.run { site in
            let command = ["import", "jsonfeed", "--data", site.data.path, "--base-url", site.base, file.path] + site.databaseArguments
            let first = try await Microcast.run(command)
            #expect(first.status == 0, "\(first.errors)")
            #expect(first.errors.contains("4 items imported, 0 already here"), "\(first.errors)")

            let posts = try await site.store.allPosts(limit: 10, offset: 0)
            #expect(posts.count == 4)
            let tea = try #require(posts.first { $0.strings("name") == ["Tea"] })
            let html = tea.properties["content"]?.first?.objectValue?["html"]?.stringValue ?? ""
            #expect(html.contains(#"src="\#(site.base)/media/"#) && !html.contains("uploads/cup.png"), "the image is ours now: \(html)")
            #expect(!html.contains("script"))
            #expect(tea.strings("category") == ["drinks"] && tea.strings("uid") == ["1"])
            let kettle = try #require(posts.first { $0.strings("name") == ["Kettle song"] })
            #expect(kettle.strings("audio").first?.hasPrefix(site.base + "/media/") == true)
            let outside = try #require(posts.first { $0.strings("name") == ["Outside"] })
            #expect(outside.properties["photo"] == nil, "nothing outside the export's folder is read")

            let moved = try await site.get("/2024/01/tea")
            #expect(moved.status == .movedPermanently && moved.headers.first(name: "location") == site.base + "/posts/tea")
            let json = try await site.get("/feed.json").json
            let ids = (json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(Set(ids) == ["1", "2", "3", "4"], "feed readers know the items by their old ids")

            let second = try await Microcast.run(command)
            #expect(second.errors.contains("0 items imported, 4 already here"), "\(second.errors)")
            #expect(try await site.store.allPosts(limit: 10, offset: 0).count == 4)
        }
    }
}
