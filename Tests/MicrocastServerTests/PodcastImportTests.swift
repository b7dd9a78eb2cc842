import Foundation
import Hummingbird
import MicrocastCore
import NIOCore
import TestSupport
import Testing

/// `microcast import podcast`, run as the built binary against a show on
/// another host: a loopback server whose feed is shaped like the big hosts'
/// (Libsyn's CDATA notes and `HH:MM:SS`, Buzzsprout's chapters, transcripts
/// and episode numbers, Anchor's permalink guids), with enclosures behind
/// measurement redirects, wrong and missing lengths, a 404 and a truncated file.
@Suite("Importing a podcast", .serialized)
struct PodcastImportTests {
    /// The old host's files, made once per test.
    struct Show: Sendable {
        var episodes: [String: Data]
        var artwork: Data
    }

    static func feed(base: String, locked: Bool = false) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" \
        xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
        <channel>
          <title>Kitchen Radio</title>
          <link>\(base)/</link>
          <language>en-gb</language>
          <description><![CDATA[<p>Talk from the <b>kitchen</b>.</p>]]></description>
          <itunes:author>Ada Lovelace</itunes:author>
          <itunes:owner><itunes:name>Ada</itunes:name><itunes:email>ada@example.com</itunes:email></itunes:owner>
          <itunes:image href="\(base)/art/show.png"/>
          <itunes:category text="Arts"><itunes:category text="Food"/></itunes:category>
          <itunes:explicit>false</itunes:explicit>
          <podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>
          \(locked ? #"<podcast:locked owner="ada@example.com">yes</podcast:locked>"# : "<podcast:locked>no</podcast:locked>")
          <item>
            <title>Bread</title>
            <guid isPermaLink="false"><![CDATA[ libsyn-ep-0001 ]]></guid>
            <pubDate>Tue, 03 Jun 2025 09:00:00 +0000</pubDate>
            <link>\(base)/episodes/bread</link>
            <content:encoded><![CDATA[<p>See <a href="/notes/bread">the notes</a>.</p><script>alert(1)</script>]]></content:encoded>
            <enclosure url="\(base)/podtrac/bread.mp3" length="0" type="audio/mpeg"/>
            <itunes:duration>00:00:03</itunes:duration>
            <itunes:explicit>yes</itunes:explicit>
          </item>
          <item>
            <title>Butter</title>
            <guid isPermaLink="false">Buzzsprout-12345</guid>
            <pubDate>Wed, 4 Jun 2025 10:30:00 GMT</pubDate>
            <description>Churning, with chapters.</description>
            <enclosure url="\(base)/chtbl/butter.mp3" length="123" type="audio/mpeg"/>
            <itunes:duration>3</itunes:duration>
            <itunes:season>1</itunes:season>
            <itunes:episode>2</itunes:episode>
            <itunes:episodeType>full</itunes:episodeType>
            <itunes:image href="\(base)/art/butter.png"/>
            <podcast:chapters url="\(base)/files/butter-chapters.json" type="application/json+chapters"/>
            <podcast:transcript url="\(base)/files/butter.vtt" type="text/vtt" language="en"/>
            <podcast:transcript url="\(base)/files/butter.json" type="application/json"/>
          </item>
          <item>
            <title>Jam</title>
            <guid>\(base)/episodes/jam</guid>
            <pubDate>Thu, 05 Jun 2025 08:00:00 -0400</pubDate>
            <description>Anchor's kind of item.</description>
            <enclosure url="\(base)/media/jam.mp3" type="audio/mpeg"/>
            <itunes:duration>0:03</itunes:duration>
          </item>
          <item>
            <title>Gone</title>
            <guid isPermaLink="false">gone-0004</guid>
            <pubDate>Fri, 06 Jun 2025 08:00:00 +0000</pubDate>
            <enclosure url="\(base)/media/gone.mp3" length="1000" type="audio/mpeg"/>
          </item>
          <item>
            <title>Cut short</title>
            <guid isPermaLink="false">cut-0005</guid>
            <pubDate>Sat, 07 Jun 2025 08:00:00 +0000</pubDate>
            <enclosure url="\(base)/media/cut.mp3" length="99999" type="audio/mpeg"/>
          </item>
        </channel>
        </rss>
        """
    }

    static func makeShow() async throws -> Show {
        let folder = try Fixtures.folder()
        var episodes: [String: Data] = [:]
        for name in ["bread", "butter", "jam"] {
            episodes[name] = try Data(contentsOf: try await Fixtures.tone(in: folder, name: "\(name).mp3", seconds: 3, title: name))
        }
        let whole = try Data(contentsOf: try await Fixtures.speech(in: folder, name: "long.mp3", seconds: 14))
        episodes["cut"] = whole.prefix(whole.count / 2)
        let artwork = try Data(contentsOf: try await Fixtures.png(in: folder, name: "show.png", size: "1400x1400"))
        return Show(episodes: episodes, artwork: artwork)
    }

    /// Runs the old host for `body`.
    static func oldHost(_ show: Show, _ body: (String) async throws -> Void) async throws {
        try await PeerServer.run { router, base, _ in
            @Sendable func file(_ data: Data, _ type: String) -> Response {
                Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
            router.get("/") { _, _ in PeerServer.html("The old host") }
            // The feed has moved once, as feeds do.
            router.get("/feed") { _, _ in Response(status: .movedPermanently, headers: [.location: "/shows/kitchen.rss"]) }
            router.get("/shows/kitchen.rss") { _, _ in file(Data(feed(base: base).utf8), "application/rss+xml") }
            router.get("/shows/locked.rss") { _, _ in file(Data(feed(base: base, locked: true).utf8), "application/rss+xml") }
            // Measurement prefixes: two redirects, one relative, before the file.
            router.get("/podtrac/bread.mp3") { _, _ in Response(status: .found, headers: [.location: "\(base)/chtbl/bread.mp3"]) }
            router.get("/chtbl/{name}") { _, context in
                Response(status: .temporaryRedirect, headers: [.location: "/media/\(context.parameters.get("name") ?? "")"])
            }
            router.get("/media/{name}") { _, context in
                let name = (context.parameters.get("name") ?? "").replacingOccurrences(of: ".mp3", with: "")
                guard let data = show.episodes[name] else { return Response(status: .notFound) }
                return file(data, "audio/mpeg")
            }
            router.get("/art/{name}") { _, _ in file(show.artwork, "image/png") }
            router.get("/files/butter-chapters.json") { _, _ in
                file(
                    Data(#"{"version":"1.2.0","chapters":[{"startTime":0,"title":"Churn"},{"startTime":2,"title":"Taste"}]}"#.utf8),
                    "application/json+chapters"
                )
            }
            router.get("/files/butter.vtt") { _, _ in
                file(Data("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nWe churn the butter.\n".utf8), "text/vtt")
            }
        } body: { peer in
            try await body(peer.base)
        }
    }

    @Test(
        "every episode arrives with its guid, notes, numbers, artwork, chapters and transcript; the failures are listed; a second run changes nothing"
    )
    func importsShow() async throws {
        let show = try await Self.makeShow()
        try await Self.oldHost(show) { old in
            try await TestSite.run { site in
                let command = ["import", "podcast", "--data", site.data.path, "--base-url", site.base, "--allow-private-fetch", old + "/feed"]
                let first = try await Microcast.run(command + site.databaseArguments)
                #expect(first.status == 1, "two episodes cannot be imported")
                #expect(first.errors.contains("3 episodes imported, 0 already here, 2 failed:"), "\(first.errors)")
                #expect(first.errors.contains("Gone: \(old)/media/gone.mp3 answered 404"), "\(first.errors)")
                #expect(first.errors.contains("Cut short: ") && first.errors.contains("ends early"), "\(first.errors)")
                #expect(first.errors.contains("a transcript of type application/json was left out"), "\(first.errors)")

                // The podcast apps' own parsers read the same guids the old feed had.
                let feed = try await site.get("/podcast.xml")
                let clients = try await Fixtures.podcastClients(feed: feed.body, url: site.base + "/podcast.xml")
                let parsed = try #require(clients["podcastparser"] as? [String: Any])
                let episodes = try #require(parsed["episodes"] as? [[String: Any]])
                #expect(Set(episodes.compactMap { $0["guid"] as? String }) == ["libsyn-ep-0001", "Buzzsprout-12345", "\(old)/episodes/jam"])
                let reader = try #require(clients["feedparser"] as? [String: Any])
                #expect(reader["bozo"] as? Bool == false, "\(reader["bozo_exception"] ?? "")")
                #expect(parsed["title"] as? String == "Kitchen Radio")
                for episode in episodes {
                    let enclosure = try #require((episode["enclosures"] as? [[String: Any]])?.first)
                    #expect((enclosure["url"] as? String)?.hasPrefix(site.base) == true, "served from here, processed: \(enclosure)")
                    #expect(enclosure["mime_type"] as? String == "audio/mpeg")
                }

                let xml = feed.text
                #expect(xml.contains("<podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>"), "the show's own podcast:guid")
                #expect(xml.contains("<itunes:author>Ada Lovelace</itunes:author>"))
                #expect(xml.contains(#"<itunes:category text="Arts">"#))
                let butter = try #require(xml.components(separatedBy: "<item>").first { $0.contains("Buzzsprout-12345") })
                #expect(butter.contains("<itunes:episode>2</itunes:episode>") && butter.contains("<itunes:season>1</itunes:season>"))
                #expect(butter.contains(#"<podcast:chapters url="\#(site.base)/media/"#), "the chapters file is ours")
                #expect(butter.contains(#"<podcast:transcript url="\#(site.base)/media/"#) && butter.contains(#"type="text/vtt""#))
                #expect(butter.contains(#"<itunes:image href="\#(site.base)/media/r/"#), "episode artwork, processed")
                let bread = try #require(xml.components(separatedBy: "<item>").first { $0.contains("libsyn-ep-0001") })
                #expect(bread.contains(#"<guid isPermaLink="false">libsyn-ep-0001</guid>"#))
                #expect(bread.contains("<itunes:explicit>true</itunes:explicit>"), "the episode's own explicit flag")
                #expect(bread.contains(#"href="\#(old)/notes/bread""#), "relative links in the notes point at the old site")
                #expect(!bread.contains("alert(1)"), "the notes are sanitised")
                #expect(bread.contains("<pubDate>Tue, 03 Jun 2025 09:00:00 +0000</pubDate>"))

                // The old episode page's path answers with a 301 here, for when the old domain points at this site.
                let moved = try await site.get("/episodes/bread")
                #expect(moved.status == .movedPermanently)
                #expect(moved.headers.first(name: "location") == site.base + "/posts/bread")

                // Quiet: no Webmentions, copies or fediverse posts for years of old episodes.
                #expect(try await site.store.untried(kinds: [.sendMentions, .fanout, .syndicate]) == 0)
                let posts = try await site.store.allPosts(limit: 50, offset: 0)
                #expect(posts.count == 3)

                let second = try await Microcast.run(command + site.databaseArguments)
                #expect(second.errors.contains("0 episodes imported, 3 already here, 2 failed:"), "\(second.errors)")
                #expect(try await site.store.allPosts(limit: 50, offset: 0).map(\.slug).sorted() == posts.map(\.slug).sorted())
                #expect(try await site.get("/podcast.xml").text == xml, "a second run changes nothing")
            }
        }
    }

    @Test("a locked feed is refused with what to do; the owner's address confirms it; private addresses need the test flag")
    func lockedAndPrivate() async throws {
        let show = try await Self.makeShow()
        try await Self.oldHost(show) { old in
            let data = try Fixtures.folder().path
            let refused = try await Microcast.run(["import", "podcast", "--data", data, "--allow-private-fetch", old + "/shows/locked.rss"])
            #expect(refused.status == 1)
            #expect(refused.errors.contains("the feed is locked"), "\(refused.errors)")
            #expect(refused.errors.contains("Unlock it at the current host") && refused.errors.contains("--owner-email"))

            let wrong = try await Microcast.run([
                "import", "podcast", "--data", data, "--allow-private-fetch", "--owner-email", "eve@example.com", old + "/shows/locked.rss",
            ])
            #expect(wrong.errors.contains("is not the feed's owner"), "\(wrong.errors)")

            let owner = try await Microcast.run([
                "import", "podcast", "--data", data, "--allow-private-fetch", "--owner-email", "ADA@example.com", old + "/shows/locked.rss",
            ])
            #expect(owner.errors.contains("3 episodes imported"), "\(owner.errors)")

            // Without the flag the old host (on loopback) is a private address, as any would be on a server.
            let guarded = try await Microcast.run(["import", "podcast", "--data", try Fixtures.folder().path, old + "/feed"])
            #expect(guarded.status == 1)
            #expect(guarded.errors.contains("the feed could not be fetched") && guarded.errors.contains("not fetched"), "\(guarded.errors)")
        }
    }

    @Test("the studio's import answers at once and its page follows the import to the end; the owner adds and removes old addresses")
    func studioImport() async throws {
        let show = try await Self.makeShow()
        try await Self.oldHost(show) { old in
            try await TestSite.run(configure: { $0.services.allowPrivateFetch = true }) { site in
                let owner = try await OwnerSession.signIn(site)
                func page() async throws -> String { try await site.get("/studio/import", headers: [owner.cookie]).text }
                func submit(_ fields: [(String, String)]) async throws -> TestSite.Reply {
                    try await OwnerSession.form(site, "/studio/import", [("csrf", owner.csrf)] + fields, owner: owner)
                }
                #expect(try await page().contains(#"id="import-podcast""#))
                let started = try await submit([("do", "import"), ("feed", old + "/feed")])
                #expect(started.status == .seeOther, "the form answers before the import ends: \(started.status)")
                try await Webmentions.eventually("the page shows the import's end") { try await page().contains("3 episodes imported") }
                let text = try await page()
                #expect(text.contains("Kitchen Radio") && text.contains("5 of 5 episodes"))
                #expect(text.contains("Gone") && text.contains("answered 404"), "failures are listed with their reasons")
                #expect(text.contains("<code>/episodes/bread</code>"), "the old episode page's path is in the table")
                #expect(try await site.store.allPosts(limit: 10, offset: 0).count == 3)

                #expect(
                    try await submit([("do", "add"), ("path", "https://old.example.com/2019/05/jam/"), ("target", site.base + "/posts/jam")]).status
                        == .seeOther
                )
                let jam = try await site.get("/2019/05/jam")
                #expect(jam.status == .movedPermanently && jam.headers.first(name: "location") == site.base + "/posts/jam")
                let offSite = try await submit([("do", "add"), ("path", "/x"), ("target", "https://elsewhere.example/")])
                #expect(offSite.status == .badRequest, "a redirect never leads off the site")
                #expect(try await submit([("do", "remove"), ("path", "/2019/05/jam")]).status == .seeOther)
                #expect(try await site.get("/2019/05/jam").status == .notFound)
                #expect(try await site.get("/posts/jam").status == .ok, "what exists is never shadowed")
            }
        }
    }

    @Test("leaving: show move unlocks the feed and names the new one; the new site imports it with the same guids; then the old feed redirects")
    func moveAway() async throws {
        let tone = try await Fixtures.tone(in: try Fixtures.folder(), name: "farewell.mp3", seconds: 2, title: "Farewell")
        try await TestSite.run { old in
            let ingested = try await Microcast.run(["ingest", "--data", old.data.path, "--base-url", old.base, tone.path] + old.databaseArguments)
            #expect(ingested.status == 0, "\(ingested.errors)")
            #expect(try await old.get("/podcast.xml").text.contains("<podcast:locked>yes</podcast:locked>"), "locked until the owner moves")
            try await TestSite.run { new in
                let feedURL = new.base + "/podcast.xml"
                let move = ["show", "move", "--data", old.data.path] + old.databaseArguments
                #expect(try await Microcast.run(move + ["--to", feedURL]).status == 0)
                let moving = try await old.get("/podcast.xml")
                #expect(moving.status == .ok, "step one still serves the feed, for the new host to import")
                #expect(moving.text.contains("<itunes:new-feed-url>\(feedURL)</itunes:new-feed-url>"))
                #expect(moving.text.contains("<podcast:locked>no</podcast:locked>"))

                let imported = try await Microcast.run(
                    ["import", "podcast", "--data", new.data.path, "--base-url", new.base, "--allow-private-fetch", old.base + "/podcast.xml"]
                        + new.databaseArguments
                )
                #expect(imported.status == 0, "\(imported.errors)")
                func guids(_ site: TestSite) async throws -> [String] {
                    let feed = try await site.get("/podcast.xml")
                    let parsed =
                        try await Fixtures.podcastClients(feed: feed.body, url: site.base + "/podcast.xml")["podcastparser"] as? [String: Any]
                    return (parsed?["episodes"] as? [[String: Any]] ?? []).compactMap { $0["guid"] as? String }
                }
                let before = try await guids(old)
                #expect(before.count == 1)
                #expect(try await guids(new) == before, "podcast apps see the same episode, not a new one")

                #expect(try await Microcast.run(move + ["--to", feedURL, "--redirect"]).status == 0)
                let redirected = try await old.get("/podcast.xml")
                #expect(redirected.status == .movedPermanently && redirected.headers.first(name: "location") == feedURL)
                #expect(try await Microcast.run(move + ["--cancel"]).status == 0)
                #expect(try await old.get("/podcast.xml").status == .ok)
            }
        }
    }
}
