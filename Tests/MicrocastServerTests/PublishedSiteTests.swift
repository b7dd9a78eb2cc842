import Foundation
import Glibc
import MediaKit
import MediaModel
import MicrocastCore
import TestSupport
import Testing

/// The published site as readers, parsers and browsers see it.
@Suite("Published site")
struct PublishedSiteTests {
    /// Posts of every kind: a note, a photo, an episode with chapters, a video.
    struct Posts {
        var note: String
        var photo: String
        var episode: String
        var video: String
        var all: [String] { [note, photo, episode, video] }
    }

    static func publishEveryKind(_ site: TestSite) async throws -> Posts {
        let token = try await site.token("create update delete media")
        let folder = try Fixtures.folder()
        let note = try site.created(
            try await site.postForm(
                [("h", "entry"), ("content", "Just a note about tea."), ("category", "tea")],
                token: token
            )
        )
        let photoURL = try site.created(try await site.upload(try await Fixtures.sidewaysJPEGWithGPS(in: folder), token: token))
        let photo = try site.created(
            try await site.postForm(
                [
                    ("h", "entry"), ("name", "Test card"), ("content", "Colours at dawn"), ("photo", photoURL),
                    ("mp-photo-alt", "A colourful test card"), ("category[]", "travel"), ("category[]", "tea"),
                ],
                token: token
            )
        )
        let chaptered = try await Fixtures.chapteredSpeech(in: folder)
        let audioURL = try site.created(try await site.upload(chaptered, token: token))
        let episode = try site.created(
            try await site.postForm(
                [("h", "entry"), ("name", "Episode one"), ("content", "We say hello."), ("audio", audioURL)],
                token: token
            )
        )
        let videoURL = try site.created(try await site.upload(try await Fixtures.silentVideo(in: folder), token: token))
        let video = try site.created(try await site.postForm([("h", "entry"), ("name", "A clip"), ("video", videoURL)], token: token))
        #expect(try await site.waitForJobs().allSatisfy { $0 == .done })
        return Posts(note: note, photo: photo, episode: episode, video: video)
    }

    static func items(_ parsed: [String: Any]) -> [[String: Any]] { parsed["items"] as? [[String: Any]] ?? [] }

    @Test(
        "every page parses with mf2py: the home h-feed has every post, each permalink the h-entry properties; podcast, photos, tag pages, sitemap, sharing tags, 404 and 410"
    )
    func pages() async throws {
        try await TestSite.run { site in
            let posts = try await Self.publishEveryKind(site)

            let home = try await site.get("/")
            let feed = try #require(
                Self.items(try await Fixtures.microformats(html: home.text, url: site.base + "/")).first { ($0["type"] as? [String]) == ["h-feed"] }
            )
            let children = try #require(feed["children"] as? [[String: Any]])
            #expect(Set(children.compactMap { (($0["properties"] as? [String: Any])?["url"] as? [String])?.first }) == Set(posts.all))

            for permalink in posts.all {
                let entry = try await site.pageEntry(permalink)
                #expect(entry["url"] as? [String] == [permalink] || (entry["url"] as? [String])?.contains(permalink) == true)
                #expect(entry["uid"] as? [String] == [permalink])
                #expect((entry["published"] as? [String])?.first?.isEmpty == false)
                let author = try #require((entry["author"] as? [[String: Any]])?.first)
                #expect(author["type"] as? [String] == ["h-card"])
            }
            let photo = try await site.pageEntry(posts.photo)
            #expect(photo["name"] as? [String] == ["Test card"])
            #expect(((photo["content"] as? [[String: Any]])?.first?["value"] as? String)?.contains("Colours at dawn") == true)
            #expect(Set(photo["category"] as? [String] ?? []) == ["travel", "tea"])
            #expect((photo["photo"] as? [[String: Any]])?.first?["alt"] as? String == "A colourful test card")
            let episode = try await site.pageEntry(posts.episode)
            #expect(((episode["audio"] as? [String])?.first)?.hasSuffix(".mp3") == true)
            #expect(((try await site.pageEntry(posts.video))["video"] as? [String])?.first?.hasSuffix(".mp4") == true)
            #expect((try await site.pageEntry(posts.note))["category"] as? [String] == ["tea"])

            // The episode page: a labelled player, its waveform, chapter links that seek, sharing tags.
            let episodePage = try await site.get(posts.episode).text
            #expect(episodePage.contains("<svg class=\"waveform\""))
            #expect(episodePage.contains("data-seek=\"6\"") && episodePage.contains("Goodbye"))
            #expect(episodePage.contains("<meta property=\"og:audio\""))
            let photoPage = try await site.get(posts.photo).text
            #expect(photoPage.contains("<meta property=\"og:image\"") && photoPage.contains("summary_large_image"))
            #expect((try await site.get(posts.video).text).contains("<meta property=\"og:video\""))

            // Podcast page: artwork, every feed and the apps' add-by-URL links, the episode.
            let podcast = try await site.get("/podcast")
            #expect(podcast.status == .ok)
            for link in [
                site.base + "/podcast.xml", site.base + "/podcast.json", "overcast://x-callback-url/add?url=",
                "https://antennapod.org/deeplink/subscribe?url=",
            ] {
                #expect(podcast.text.contains(link), "\(link)")
            }
            #expect(podcast.text.contains("Episode one"))
            // Photos page: a grid of thumbnails linking to their post.
            let photos = try await site.get("/photos").text
            #expect(photos.contains("<a href=\"\(posts.photo)\"><img"))
            // Tag page: an h-feed of that tag's posts only.
            let tagPage = try await site.get("/tags/travel")
            let tagFeed = try #require(
                Self.items(try await Fixtures.microformats(html: tagPage.text, url: site.base + "/tags/travel")).first {
                    ($0["type"] as? [String]) == ["h-feed"]
                }
            )
            #expect((tagFeed["children"] as? [[String: Any]])?.count == 1)
            #expect((try await site.get("/tags/nothing-here")).status == .notFound)

            // Sitemap: every post.
            let sitemap = try await site.get("/sitemap.xml").text
            for permalink in posts.all { #expect(sitemap.contains("<loc>\(permalink)</loc>")) }

            // 404, then 410 once deleted.
            let missing = try await site.get("/posts/no-such-post")
            #expect(missing.status == .notFound && missing.text.contains("<h1>404</h1>"))
            let token = try await site.token("delete")
            _ = try await site.postForm([("action", "delete"), ("url", posts.note)], token: token)
            #expect(try await site.get(posts.note).status == .gone)
        }
    }

    @Test("/favicon.ico, which every browser asks for, leads to the show's artwork")
    func favicon() async throws {
        try await TestSite.run { site in
            let icon = try await site.get("/favicon.ico")
            #expect(icon.status == .found)
            let artwork = try await site.get(try #require(icon.headers.first(name: "Location")))
            #expect(artwork.status == .ok && artwork.headers.first(name: "Content-Type") == "image/jpeg")
        }
    }

    @Test("a page of 20 photo posts is under 100 KB of HTML and CSS, lazy below the fold, cached with ETags; the stylesheet is immutable")
    func weight() async throws {
        try await TestSite.run { site in
            let token = try await site.token("create media")
            let photo = try site.created(try await site.upload(try await Fixtures.sidewaysJPEGWithGPS(in: try Fixtures.folder()), token: token))
            for index in 1...21 {
                _ = try site.created(
                    try await site.postForm(
                        [
                            ("h", "entry"), ("content", "Photo number \(index), with a few words about it."), ("photo", photo),
                            ("mp-photo-alt", "Test card \(index)"), ("category", "photos"),
                        ],
                        token: token
                    )
                )
            }
            _ = try await site.waitForJobs()
            let home = try await site.get("/")
            let stylesheet = try #require(
                home.text.range(of: #"/static/site\.[0-9a-f]+\.css"#, options: .regularExpression).map { String(home.text[$0]) }
            )
            let css = try await site.get(stylesheet)
            #expect(css.headers.first(name: "Cache-Control") == "public, max-age=31536000, immutable")
            #expect(home.body.count + css.body.count < 100_000, "\(home.body.count) + \(css.body.count) bytes")
            #expect(home.text.components(separatedBy: "<picture>").count - 1 == 20)
            #expect(home.text.components(separatedBy: "loading=\"lazy\"").count - 1 == 19)
            #expect(home.text.contains("rel=\"next\" href=\"\(site.base)/page/2\""))
            #expect(try await site.get("/page/2").text.contains("Photo number 1,"))

            let etag = try #require(home.headers.first(name: "ETag"))
            #expect(try await site.get("/", headers: [("If-None-Match", etag)]).status == .notModified)
        }
    }

    @Test("the exported site, served by Python's http.server, shows the same pages, feeds and media")
    func export() async throws {
        try await TestSite.run { site in
            let posts = try await Self.publishEveryKind(site)
            // The port is held (SO_REUSEADDR, not listening) until Python's server, which also reuses addresses, has it.
            let (export, reservation) = try StaticExport.reserve()
            defer { close(reservation) }
            try await export.export(site)
            try await export.serving { try await Self.checkExport(export, of: site, posts: posts) }
        }
    }

    /// The export's feeds, pages and media against the live site's.
    static func checkExport(_ export: StaticExport, of site: TestSite, posts: Posts) async throws {
        let base = export.base
        let fetch = export.fetch
        let live = try await site.get("/feed.json").json
        let staticFeed = try JSONSerialization.jsonObject(with: try await fetch(base + "/feed.json")) as? [String: Any] ?? [:]
        let liveItems = live["items"] as? [[String: Any]] ?? []
        let staticItems = staticFeed["items"] as? [[String: Any]] ?? []
        #expect(staticItems.count == liveItems.count && staticItems.count == 4)
        #expect(Set(staticItems.compactMap { $0["title"] as? String }) == Set(liveItems.compactMap { $0["title"] as? String }))
        for item in staticItems {
            for attachment in item["attachments"] as? [[String: Any]] ?? [] {
                let url = try #require(attachment["url"] as? String)
                #expect(url.hasPrefix(base))
                #expect(try await fetch(url).count == attachment["size_in_bytes"] as? Int, "\(url)")
            }
        }
        let home = String(decoding: try await fetch(base + "/"), as: UTF8.self)
        let feed = try #require(
            Self.items(try await Fixtures.microformats(html: home, url: base + "/")).first { ($0["type"] as? [String]) == ["h-feed"] }
        )
        #expect((feed["children"] as? [[String: Any]])?.count == 4)
        for permalink in posts.all {
            let page = String(decoding: try await fetch(permalink.replacingOccurrences(of: site.base, with: base)), as: UTF8.self)
            let entry = Self.items(try await Fixtures.microformats(html: page, url: base)).first { ($0["type"] as? [String]) == ["h-entry"] }
            #expect(entry != nil, "\(permalink) exported")
        }
        #expect(String(decoding: try await fetch(base + "/podcast.xml"), as: UTF8.self).contains("<enclosure url=\"\(base)/media/r/"))
        #expect(!String(decoding: try await fetch(base + "/sitemap.xml"), as: UTF8.self).contains(site.base))
        // The camera photo's original (with GPS) is not published; its renditions are.
        let originals = (try? FileManager.default.contentsOfDirectory(atPath: export.folder.appendingPathComponent("media").path)) ?? []
        #expect(!originals.contains { $0.hasSuffix(".jpg") }, "\(originals)")
    }

    @Test("in headless Chromium: no console errors, every image loads, the player knows the episode's length, readable at 360 px; screenshots saved")
    func browser() async throws {
        try await TestSite.run { site in
            let posts = try await Self.publishEveryKind(site)
            let artifacts = Repository.root.appendingPathComponent("test-artifacts/screenshots")
            let script = Repository.root.appendingPathComponent("Tests/Browser/check_pages.py")
            let pages = [
                "home": site.base + "/", "photo-post": posts.photo, "episode": posts.episode, "video-post": posts.video,
                "podcast": site.base + "/podcast", "photos": site.base + "/photos", "tag": site.base + "/tags/tea",
            ]
            let output = try await Fixtures.runOffPool(
                "python3",
                [script.path, artifacts.path] + pages.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            )
            let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: [String: Any]])
            for (name, result) in report {
                #expect((result["consoleErrors"] as? [String]) == [], "\(name): \(result["consoleErrors"] ?? "")")
                #expect((result["brokenImages"] as? [String]) == [], "\(name): \(result["brokenImages"] ?? "")")
                #expect((result["imagesWithoutAlt"] as? [String]) == [], "\(name)")
                #expect((result["overflowAt360"] as? Int) == 0, "\(name) scrolls sideways at 360 px")
                #expect((result["lowestContrast"] as? Double ?? 0) >= 4.5, "\(name): contrast \(result["lowestContrast"] ?? "")")
                for player in result["players"] as? [[String: Any]] ?? [] {
                    #expect(!(player["label"] as? String ?? "").isEmpty, "\(name): unlabelled \(player)")
                }
            }
            #expect((report["photo-post"]?["imageCount"] as? Int ?? 0) >= 1)
            // The episode player's duration matches the episode file's.
            let mp3 = try #require(try await site.pageEntry(posts.episode)["audio"] as? [String]).first ?? ""
            let file = try Fixtures.folder().appendingPathComponent("episode.mp3")
            try await site.get(mp3).body.write(to: file)
            let expected = try #require(try await probed(file.path).duration)
            let player = try #require((report["episode"]?["players"] as? [[String: Any]])?.first)
            #expect(abs((player["duration"] as? Double ?? 0) - expected) < 0.5, "player says \(player["duration"] ?? ""), file \(expected)")
            for name in ["home", "photo-post", "episode"] {
                #expect(FileManager.default.fileExists(atPath: artifacts.appendingPathComponent("\(name).png").path))
            }
        }
    }
}
