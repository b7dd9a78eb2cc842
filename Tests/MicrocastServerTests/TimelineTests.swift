import Foundation
import HTTPTypes
import Hummingbird
import MicrocastCore
import NIOCore
import TestSupport
import Testing

/// The studio's reader as the owner uses it: following a site and a podcast
/// by their addresses, the timeline they fill (new items marked once,
/// filtered, pictures through the site), answering an item from it (a post
/// of the owner's that the answered site hears of by Webmention), and
/// how long items are kept. Real HTTP on loopback, the peer a real server.
@Suite("Following: the studio's timeline, and answers from it")
struct TimelineTests {
    /// A 1×1 PNG: what the peer serves as Ada's photo.
    static let png = Data(
        base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )!

    /// Ada's site: an h-feed of three notes (one ten days old, one with a
    /// photo), a page per note taking Webmentions, and a podcast feed.
    static func adasSite(_ body: (PeerServer) async throws -> Void) async throws {
        let now = Date()
        let hour = ISO8601DateFormatter().string(from: now.addingTimeInterval(-3600))
        let twoHours = ISO8601DateFormatter().string(from: now.addingTimeInterval(-7200))
        let tenDays = ISO8601DateFormatter().string(from: now.addingTimeInterval(-10 * 86_400))
        let rfc822 = DateFormatter()
        rfc822.locale = Locale(identifier: "en_US_POSIX")
        rfc822.timeZone = TimeZone(identifier: "UTC")
        rfc822.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let tenMinutes = rfc822.string(from: now.addingTimeInterval(-600))
        try await PeerServer.run { router, base, received in
            let card = #"<a class="p-author h-card" href="/"><img class="u-photo" src="/ada.png" alt="">Ada</a>"#
            router.get("/") { _, _ in
                PeerServer.html(
                    """
                    <div class="h-feed"><span class="p-name">Ada's notes</span>
                    <article class="h-entry">\(card)<p class="p-name e-content">A note worth answering</p>
                    <a class="u-url" href="/notes/1"><time class="dt-published" datetime="\(hour)">today</time></a></article>
                    <article class="h-entry">\(card)<p class="p-name e-content">A picture of the sea</p><img class="u-photo" src="/ada.png" alt="">
                    <a class="u-url" href="/notes/2"><time class="dt-published" datetime="\(twoHours)">today</time></a></article>
                    <article class="h-entry">\(card)<p class="p-name e-content">An old note</p>
                    <a class="u-url" href="/notes/0"><time class="dt-published" datetime="\(tenDays)">before</time></a></article>
                    </div>
                    """
                )
            }
            router.get("/notes/{n}") { _, context in
                let words =
                    ["0": "An old note", "1": "A note worth answering", "2": "A picture of the sea"][context.parameters.get("n") ?? ""] ?? "?"
                return PeerServer.html(
                    #"<link rel="webmention" href="/webmention"><article class="h-entry">\#(card)<p class="p-name e-content">\#(words)</p></article>"#
                )
            }
            router.post("/webmention", use: PeerServer.recordingEndpoint(received))
            router.get("/ada.png") { _, _ in
                Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
            }
            router.get("/evil.png") { _, _ in
                // Named and labelled a picture; its bytes are a script-bearing SVG.
                let svg = #"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#
                return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(string: svg)))
            }
            router.get("/podcast.xml") { _, _ in
                let rss = """
                    <rss version="2.0"><channel><title>Ada Talks</title><link>\(base)/</link>
                    <item><title>Episode one</title><guid>ep-1</guid><link>\(base)/notes/3</link>
                    <pubDate>\(tenMinutes)</pubDate>
                    <enclosure url="\(base)/ep1.mp3" type="audio/mpeg" length="1000"/></item></channel></rss>
                    """
                return Response(status: .ok, headers: [.contentType: "application/rss+xml"], body: .init(byteBuffer: ByteBuffer(string: rss)))
            }
        } body: { peer in
            try await body(peer)
        }
    }

    /// The page a studio form's answer redirects to, as the owner's browser follows it.
    static func follow(_ reply: TestSite.Reply, on site: TestSite, owner: OwnerSession.Owner) async throws -> TestSite.Reply {
        #expect(reply.status == .seeOther, "\(reply.status) \(reply.text)")
        let location = try #require(reply.headers.first(name: "Location"))
        return try await site.get(location, headers: [owner.cookie])
    }

    @Test(
        "follow a site and a podcast in the studio; the timeline marks new items once, filters, proxies pictures; a reply is a post the site hears of"
    )
    func timeline() async throws {
        try await Self.adasSite { peer in
            try await TestSite.run(configure: Webmentions.allowPrivate) { site in
                let owner = try await OwnerSession.signIn(site)
                func form(_ path: String, _ fields: [(String, String)]) async throws -> TestSite.Reply {
                    try await Self.follow(
                        try await OwnerSession.form(site, path, [("csrf", owner.csrf)] + fields, owner: owner),
                        on: site,
                        owner: owner
                    )
                }
                // Following: a page (its h-feed found) and a podcast's feed; the ten-day-old note is kept (90 days by default).
                let followed = try await form("/studio/following", [("do", "follow"), ("address", peer.base + "/")])
                #expect(
                    followed.text.contains("Following Ada&#39;s notes: 3 entries") || followed.text.contains("Following Ada's notes: 3 entries"),
                    "\(followed.text)"
                )
                _ = try await form("/studio/following", [("do", "follow"), ("address", peer.base + "/podcast.xml")])
                let list = try await site.get("/studio/following", headers: [owner.cookie]).text
                #expect(list.contains("Ada Talks") && list.contains(peer.base + "/podcast.xml") && list.contains("rss"), "\(list)")
                let nowhere = try await form("/studio/following", [("do", "follow"), ("address", peer.base + "/nowhere")])
                #expect(nowhere.text.contains("answered 404"), "a failure is told with its reason")

                // The timeline: newest first, every item new on the first visit and none on the next.
                let first = try await site.get("/studio/timeline", headers: [owner.cookie])
                #expect(first.status == .ok)
                let order = ["Episode one", "A note worth answering", "A picture of the sea", "An old note"].map {
                    first.text.range(of: $0)?.lowerBound
                }
                #expect(order.allSatisfy { $0 != nil } && order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "newest first")
                #expect(first.text.components(separatedBy: "class=\"badge\">New").count - 1 == 4)
                #expect(first.text.contains("<audio controls preload=\"none\" src=\"\(peer.base)/ep1.mp3\">"), "the episode plays")
                #expect(first.headers.first(name: "Content-Security-Policy")?.contains("media-src 'self' blob: https:") == true)
                let again = try await site.get("/studio/timeline", headers: [owner.cookie]).text
                #expect(!again.contains("class=\"badge\">New"), "what was shown is read")

                // Pictures come through the site, only when they are pictures.
                let proxied = site.base + "/studio/timeline/picture?url=" + WebForms.queryValue(peer.base + "/ada.png")
                #expect(first.text.contains("/studio/timeline/picture?url="), "Ada's photo is shown through the site")
                let picture = try await site.get(proxied, headers: [owner.cookie])
                #expect(picture.status == .ok && picture.headers.first(name: "Content-Type") == "image/png" && picture.body == Self.png)
                let evil = try await site.get(
                    "/studio/timeline/picture?url=" + WebForms.queryValue(peer.base + "/evil.png"),
                    headers: [owner.cookie]
                )
                #expect(evil.status == .notFound, "an SVG sent as a PNG is not passed on")
                let stranger = try await site.get(proxied)
                #expect(stranger.status == .forbidden, "only the owner's browser gets pictures through the site")

                // Filters: by kind, by source.
                let audio = try await site.get("/studio/timeline?kind=audio", headers: [owner.cookie]).text
                #expect(audio.contains("Episode one") && !audio.contains("A note worth answering"))
                let photos = try await site.get("/studio/timeline?kind=photo", headers: [owner.cookie]).text
                #expect(photos.contains("A picture of the sea") && !photos.contains("Episode one"))
                let follows = try await site.store.follows()
                let ada = try #require(follows.first { $0.title == "Ada's notes" })
                let fromAda = try await site.get("/studio/timeline?source=\(ada.id)", headers: [owner.cookie]).text
                #expect(fromAda.contains("An old note") && !fromAda.contains("Episode one"))

                // A reply: a post of the owner's with in-reply-to, its context shown, and a Webmention to the note.
                let items = try await site.store.timeline(limit: 10, before: nil)
                let note = try #require(items.first { $0.entry.url?.absoluteString == peer.base + "/notes/1" })
                let empty = try await form("/studio/timeline", [("do", "reply"), ("item", "\(note.id)"), ("text", " ")])
                #expect(empty.text.contains("write the reply first"))
                let replied = try await form("/studio/timeline", [("do", "reply"), ("item", "\(note.id)"), ("text", "Worth it, *indeed*.")])
                let replyURL = try #require(
                    replied.text.components(separatedBy: "Replied: ").dropFirst().first?.prefix { $0 != "<" }.trimmingCharacters(in: .whitespaces)
                )
                let page = try await site.get(replyURL).text
                #expect(page.contains("u-in-reply-to h-cite") && page.contains("href=\"\(peer.base)/notes/1\""), "\(page)")
                #expect(page.contains("A note worth answering"), "the answered note is cited by its words")
                #expect(page.contains("<em>indeed</em>"))
                try await Webmentions.eventually("Ada's note hears of the reply") {
                    await peer.received.posts.contains { $0.form["source"] == replyURL && $0.form["target"] == peer.base + "/notes/1" }
                }
                _ = try await form("/studio/timeline", [("do", "like"), ("item", "\(note.id)"), ("text", "")])
                let liked = try await site.store.ownerPosts(kind: nil, status: nil, deleted: false, limit: 10, offset: 0)
                #expect(liked.contains { $0.properties["like-of"]?.first?.stringValue == peer.base + "/notes/1" })

                // Keeping: a week forgets the ten-day-old note at once, and the next read does not bring it back.
                let kept = try await form("/studio/following", [("do", "retention"), ("days", "7")])
                #expect(kept.text.contains("1 older ones forgotten"), "\(kept.text)")
                _ = try await form("/studio/following", [("do", "refresh"), ("address", peer.base + "/")])
                let texts = try await site.store.timeline(limit: 10, before: nil).compactMap(\.entry.contentHTML)
                #expect(texts.contains { $0.contains("A note worth answering") } && !texts.contains { $0.contains("An old note") })
                let refused = try await form("/studio/following", [("do", "retention"), ("days", "0")])
                #expect(refused.text.contains("1 to 3650 days"))

                let gone = try await form("/studio/following", [("do", "unfollow"), ("address", peer.base + "/podcast.xml")])
                #expect(gone.text.contains("Unfollowed"))
                #expect(!(try await site.get("/studio/timeline", headers: [owner.cookie]).text.contains("Episode one")))
            }
        }
    }

    @Test("the timeline in Chromium at 1280 and 360 px: labelled, readable, no sideways scroll, pictures shown; a reply and a like by keyboard alone")
    func browser() async throws {
        try await Self.adasSite { peer in
            try await TestSite.run(configure: Webmentions.allowPrivate) { site in
                let owner = try await OwnerSession.signIn(site)
                _ = try await OwnerSession.form(
                    site,
                    "/studio/following",
                    [("csrf", owner.csrf), ("do", "follow"), ("address", peer.base + "/")],
                    owner: owner
                )
                #expect(try await site.store.timeline(limit: 10, before: nil).count == 3)
                let output = try await Fixtures.runOffPool(
                    "python3",
                    [
                        Repository.root.appendingPathComponent("Tests/Browser/timeline_flow.py").path, site.base, OwnerSession.passphrase,
                        Repository.root.appendingPathComponent("test-artifacts/screenshots").path,
                    ]
                )
                let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
                #expect((report["errors"] as? [String])?.isEmpty == true, "\(report["errors"] ?? "")")
                for size in ["wide", "narrow"] {
                    let page = try #require(report[size] as? [String: Any])
                    #expect(page["current"] as? String == "Timeline")
                    #expect(page["items"] as? Int == 3, "\(size)")
                    #expect((page["unlabelled"] as? [String])?.isEmpty == true, "\(size): \(page["unlabelled"] ?? "")")
                    #expect((page["lowestContrast"] as? Double ?? 0) >= 4.5, "\(size): contrast \(page["lowestContrast"] ?? "")")
                    #expect((page["overflow"] as? Int ?? 1) <= 0, "\(size): the page scrolls sideways")
                    #expect((page["consoleErrors"] as? [String])?.isEmpty == true, "\(size): \(page["consoleErrors"] ?? "")")
                    let shown = page["pictures"] as? [Int] ?? []
                    #expect(shown.count == 2 && shown[1] >= 4 && shown[0] == shown[1], "\(size): Ada's photos through the site: \(shown)")
                }
                #expect((report["replied"] as? String)?.hasPrefix("Replied: ") == true, "\(report["replied"] ?? "")")
                #expect((report["liked"] as? String)?.hasPrefix("Liked: ") == true, "\(report["liked"] ?? "")")
                #expect((report["likeLabel"] as? String)?.hasPrefix("Like Ada") == true, "a button says whose post it likes")
                let posts = try await site.store.ownerPosts(kind: nil, status: nil, deleted: false, limit: 10, offset: 0)
                #expect(
                    posts.contains { $0.properties["in-reply-to"] != nil && "\($0.properties["content"] ?? [])".contains("Typed with the keyboard") }
                )
                #expect(posts.contains { $0.properties["like-of"] != nil })
            }
        }
    }
}
