import Foundation
import MicrocastCore
import TestSupport
import Testing

/// Leaving with everything: `export --archive` and `import archive`, by the real binary.
@Suite("Site archive")
struct ArchiveTests {
    /// What a reader, a podcast app and a Micropub client see of a site.
    static func views(of site: TestSite, token: String, posts: [String]) async throws -> [String: String] {
        var views: [String: String] = [:]
        for path in ["/", "/feed.xml", "/feed.json", "/podcast.xml", "/podcast.json", "/photos", "/tags/bread", "/old/loaf.html"] {
            let reply = try await site.get(path)
            views[path] = "\(reply.status.code) \(reply.headers.first(name: "Location") ?? "")\n\(reply.text)"
        }
        for post in posts {
            let path = String(post.dropFirst(site.base.count))
            views[path] = try await site.get(path).text
            let source = try await site.get(
                "/micropub?q=source&url=\(post.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? post)",
                headers: [("Authorization", "Bearer \(token)")]
            )
            views["source " + path] = source.text
        }
        return views
    }

    /// A view with its items' guids left out: RSS `guid`, JSON Feed `id`, a source's `uid`.
    static func withoutGuids(_ view: String) throws -> String {
        let rss = view.replacingOccurrences(of: #"<guid[^>]*>[^<]*</guid>"#, with: "<guid/>", options: .regularExpression)
        let start = rss.firstIndex(of: "{")
        guard let start, var json = try? JSONSerialization.jsonObject(with: Data(rss[start...].utf8)) as? [String: Any] else { return rss }
        if var properties = json["properties"] as? [String: Any] {
            properties["uid"] = nil
            json["properties"] = properties
        }
        if let items = json["items"] as? [[String: Any]] {
            json["items"] = items.map { item in item.filter { $0.key != "id" } }
        }
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        return String(rss[..<start]) + String(decoding: data, as: UTF8.self)
    }

    @Test(
        "a site with a show, an episode, a photo post, a draft, a reply and a redirect comes back from its archive the same, apart from its address"
    )
    func roundTrip() async throws {
        let folder = try Fixtures.folder()
        var before: [String: String] = [:]
        var posts: [String] = []
        var oldBase = ""
        var data: URL?
        try await TestSite.run { site in
            data = site.data
            oldBase = site.base
            let token = try await site.token("create update media")
            try await site.store.setSettings([.show(.title): "Crumbs", .show(.author): "A Baker", .show(.category): "Arts"])
            let audio = try #require(
                try await site.upload(try await Fixtures.tone(in: folder, name: "bake.mp3", seconds: 3), token: token).headers.first(name: "Location")
            )
            let photo = try #require(
                try await site.upload(try await Fixtures.png(in: folder, name: "loaf.png", size: "800x600"), token: token).headers.first(
                    name: "Location"
                )
            )
            posts.append(
                try site.created(
                    try await site.postForm([("h", "entry"), ("name", "Episode one"), ("content", "Proving times."), ("audio", audio)], token: token)
                )
            )
            posts.append(
                try site.created(
                    try await site.postForm(
                        [("h", "entry"), ("content", "A loaf"), ("photo", photo), ("mp-photo-alt", "A loaf on a board"), ("category", "bread")],
                        token: token
                    )
                )
            )
            posts.append(
                try site.created(try await site.postForm([("h", "entry"), ("content", "Not yet"), ("post-status", "draft")], token: token))
            )
            #expect(try await site.waitForJobs().allSatisfy { $0 == .done })
            let slug = try #require(posts[1].split(separator: "/").last.map(String.init))
            var reply = try await site.store.receiveMention(
                source: "https://friend.example/replies/1",
                target: posts[1],
                postSlug: slug,
                newId: "reply-1",
                now: Date(timeIntervalSince1970: 1_800_000_100)
            )
            reply.state = .shown
            reply.kind = .reply
            reply.author = MentionAuthor(name: "A Friend", url: "https://friend.example/")
            reply.contentHTML = "<p>Looks good</p>"
            reply.published = Date(timeIntervalSince1970: 1_800_000_000)
            reply.url = "https://friend.example/replies/1"
            try await site.store.saveMention(reply)
            try await site.store.setRedirect(Redirect(path: "/old/loaf.html", target: "/posts/\(slug)"))
            before = try await Self.views(of: site, token: token, posts: posts)
        }
        let archive = folder.appendingPathComponent("site.zip")
        let exported = try await Microcast.run(["export", "--data", try #require(data).path, "--archive", archive.path])
        #expect(exported.status == 0, "\(exported.errors)")
        let mode = (try FileManager.default.attributesOfItem(atPath: archive.path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600, "the archive holds the originals: owner-only")

        // The archive is a ZIP any unzip reads, its head a JSON Feed, no credential in it.
        let listing = String(decoding: try await Fixtures.runOffPool("unzip", ["-Z1", archive.path]), as: UTF8.self)
        #expect(listing.split(separator: "\n").first == "feed.json")
        #expect(listing.contains("originals/") && listing.contains("renditions/") && listing.contains("public/"))
        let head = try await Fixtures.runOffPool("unzip", ["-p", archive.path, "feed.json"])
        let feed = try #require(try JSONSerialization.jsonObject(with: head) as? [String: Any])
        #expect(feed["version"] as? String == "https://jsonfeed.org/version/1.1")
        #expect((feed["items"] as? [[String: Any]])?.count == 3)
        let text = String(decoding: head, as: UTF8.self)
        #expect(!text.contains("PRIVATE KEY") && !text.contains("passphrase"), "a credential in the archive")

        let moved = try Fixtures.folder()
        let imported = try await Microcast.run(["import", "archive", "--data", moved.path, archive.path])
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(imported.output.contains("imported 3 posts"))
        // A second import into the same (no longer empty) site is refused, and says why.
        let again = try await Microcast.run(["import", "archive", "--data", moved.path, archive.path])
        #expect(again.status == 1 && again.errors.contains("empty site"), "\(again.errors)")

        try await TestSite.run(data: moved) { site in
            let token = try await site.token("create update media")
            let after = try await Self.views(of: site, token: token, posts: posts.map { $0.replacingOccurrences(of: oldBase, with: site.base) })
            #expect(after.keys.sorted() == before.keys.sorted())
            for (key, page) in before {
                let expected = try Self.withoutGuids(page.replacingOccurrences(of: oldBase, with: site.base))
                #expect(try Self.withoutGuids(try #require(after[key])) == expected, "\(key) differs")
            }
            // Feeds keep naming each item by its old permalink, so podcast apps download nothing again.
            let guids = { (feed: String?) in
                (try? Regex(#"<guid[^>]*>([^<]*)</guid>"#)).map { regex in
                    (feed ?? "").matches(of: regex).map { String($0.output[1].substring ?? "") }
                } ?? []
            }
            #expect(guids(after["/podcast.xml"]) == guids(before["/podcast.xml"]) && guids(before["/podcast.xml"]).count == 1)
            #expect(guids(after["/feed.xml"]) == guids(before["/feed.xml"]) && guids(before["/feed.xml"]).count == 2)
            // The files behind the pages came too: every media URL on the episode's page answers.
            #expect(try await site.waitForJobs().allSatisfy { $0 == .done })
            let enclosure = try #require(after["/podcast.xml"]?.range(of: #"<enclosure url="[^"]+""#, options: .regularExpression))
            let url = String(try #require(after["/podcast.xml"])[enclosure].dropFirst(#"<enclosure url=""#.count).dropLast())
            #expect(try await site.get(url).status == .ok)
        }
    }

    @Test("an archive with an entry outside the data folder's folders, or not a ZIP at all, is refused and writes nothing")
    func hostileArchive() async throws {
        let folder = try Fixtures.folder()
        let feed = folder.appendingPathComponent("feed.json")
        try Data(
            #"{"version":"https://jsonfeed.org/version/1.1","title":"x","home_page_url":"https://x.example/","items":[],"_microcast":{"format":1,"exportedAt":"2026-01-01T00:00:00.000Z","settings":{},"media":[],"renditions":[],"postMedia":[],"ingests":[],"mentions":[],"downloads":[],"sentMentions":[],"citations":[],"copies":[],"followers":[],"redirects":[],"linkedPublicCopies":[]}}"#
                .utf8
        )
        .write(to: feed)
        let escape = folder.appendingPathComponent("escape")
        try FileManager.default.createDirectory(at: escape.appendingPathComponent("renditions"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: escape.appendingPathComponent("renditions/..evil"))
        let archive = folder.appendingPathComponent("hostile.zip")
        try Fixtures.run(
            "sh",
            ["-c", "cd '\(folder.path)' && zip -q '\(archive.path)' feed.json && cd escape && zip -q '\(archive.path)' renditions/..evil"]
        )

        let target = try Fixtures.folder()
        let refused = try await Microcast.run(["import", "archive", "--data", target.path, archive.path])
        #expect(refused.status == 1 && refused.errors.contains("no Microcast archive holds"), "\(refused.errors)")
        let notZip = try await Microcast.run(["import", "archive", "--data", target.path, feed.path])
        #expect(notZip.status == 1 && notZip.errors.contains("not a ZIP"), "\(notZip.errors)")
        for name in ["originals", "public", "renditions"] {
            #expect((try FileManager.default.contentsOfDirectory(atPath: target.appendingPathComponent(name).path)) == [])
        }
    }
}
