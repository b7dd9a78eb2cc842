import Foundation
import Hummingbird
import MicrocastCore
import NIOCore
import Testing

/// The Microsub endpoint as a reader app (Monocle, Indigenous, Together)
/// uses it: discovered from the home page, channels, follow, the timeline
/// as jf2 with its cursors, read state, search, and the scopes that guard them.
@Suite("Microsub: the timeline for reader apps")
struct MicrosubTests {
    /// A site with a JSON Feed of 25 notes: more than one page.
    static func busySite(_ body: (PeerServer) async throws -> Void) async throws {
        let now = Date()
        let dates = (0..<25).map { ISO8601DateFormatter().string(from: now.addingTimeInterval(-Double($0) * 600)) }
        try await PeerServer.run { router, base, _ in
            router.get("/feed.json") { _, _ in
                let items = dates.enumerated().map { index, date in
                    #"{"id": "n\#(index)", "url": "\#(base)/n/\#(index)", "content_html": "<p>Note \#(index)</p>", "date_published": "\#(date)", "authors": [{"name": "Bo"}]}"#
                }
                let json = #"{"version": "https://jsonfeed.org/version/1.1", "title": "Bo", "items": [\#(items.joined(separator: ","))]}"#
                return Response(status: .ok, headers: [.contentType: "application/feed+json"], body: .init(byteBuffer: ByteBuffer(string: json)))
            }
        } body: { peer in
            try await body(peer)
        }
    }

    static func get(_ site: TestSite, _ query: String, token: String?) async throws -> TestSite.Reply {
        try await site.get("/microsub?" + query, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    static func post(_ site: TestSite, _ fields: [(String, String)], token: String) async throws -> TestSite.Reply {
        try await site.request(
            "/microsub",
            method: .POST,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Bearer \(token)")],
            body: WebForms.encode(fields)
        )
    }

    @Test("discovered from the home page; channels, follow, a paged jf2 timeline, read state, search and unfollow, each guarded by its scope")
    func readerApp() async throws {
        try await TimelineTests.adasSite { ada in
            try await Self.busySite { bo in
                try await TestSite.run(configure: Webmentions.allowPrivate) { site in
                    let home = try await site.get("/")
                    #expect(home.headers.first(name: "Link")?.contains("<\(site.base)/microsub>; rel=\"microsub\"") == true)
                    #expect(home.text.contains("<link rel=\"microsub\" href=\"\(site.base)/microsub\">"))

                    let reader = try await site.token("read follow")
                    let publisher = try await site.token("create")
                    #expect(try await Self.get(site, "action=channels", token: nil).status == .unauthorized)
                    let refused = try await Self.get(site, "action=channels", token: publisher)
                    #expect(refused.status == .forbidden && refused.json["error"] as? String == "insufficient_scope")
                    let micropub = try await site.get("/micropub?q=config", headers: [("Authorization", "Bearer \(reader)")])
                    #expect(micropub.status == .forbidden, "a reader's token is not a Micropub client's")

                    // Following through the reader app.
                    let followed = try await Self.post(site, [("action", "follow"), ("channel", "home"), ("url", ada.base + "/")], token: reader)
                    #expect(followed.status == .ok && followed.json["type"] as? String == "feed" && followed.json["url"] as? String == ada.base + "/")
                    _ = try await Self.post(site, [("action", "follow"), ("channel", "home"), ("url", bo.base + "/feed.json")], token: reader)
                    let failed = try await Self.post(site, [("action", "follow"), ("url", ada.base + "/nowhere")], token: reader)
                    #expect(failed.status == .badRequest && (failed.json["error_description"] as? String)?.contains("404") == true)
                    let feeds = try await Self.get(site, "action=follow&channel=home", token: reader).json["items"] as? [[String: Any]]
                    #expect(Set(feeds?.compactMap { $0["url"] as? String } ?? []) == [ada.base + "/", bo.base + "/feed.json"])

                    // Channels: notifications first, home with its unread entries counted.
                    let channels = try await Self.get(site, "action=channels", token: reader).json["channels"] as? [[String: Any]] ?? []
                    #expect(channels.map { $0["uid"] as? String } == ["notifications", "home"])
                    #expect(channels.last?["unread"] as? Int == 28 && channels.first?["unread"] as? Int == 0)

                    // The timeline: 28 entries, 20 a page, newest first, as jf2.
                    let first = try await Self.get(site, "action=timeline&channel=home", token: reader).json
                    let items = first["items"] as? [[String: Any]] ?? []
                    #expect(items.count == 20)
                    let after = try #require((first["paging"] as? [String: Any])?["after"] as? String)
                    let second = try await Self.get(site, "action=timeline&channel=home&after=\(after)", token: reader).json
                    let older = second["items"] as? [[String: Any]] ?? []
                    #expect(older.count == 8 && (second["paging"] as? [String: Any])?["after"] == nil)
                    #expect((second["paging"] as? [String: Any])?["before"] as? String == older.first?["_id"] as? String)
                    let ids = (items + older).compactMap { $0["_id"] as? String }
                    #expect(Set(ids).count == 28, "every entry once across the pages")
                    let note = try #require((items + older).first { ($0["url"] as? String) == ada.base + "/notes/1" })
                    #expect(note["type"] as? String == "entry" && note["_is_read"] as? Bool == false)
                    #expect((note["author"] as? [String: Any])?["name"] as? String == "Ada")
                    #expect((note["author"] as? [String: Any])?["type"] as? String == "card")
                    #expect((note["content"] as? [String: Any])?["text"] as? String == "A note worth answering")
                    let picture = try #require((items + older).first { ($0["url"] as? String) == ada.base + "/notes/2" })
                    #expect(picture["photo"] as? [String] == [ada.base + "/ada.png"])

                    // Read state: an entry marked read is read alone; "read up to" reads what is older with it; unmarking one brings it back.
                    let newest = try #require(items.first?["_id"] as? String)
                    func timelineNow() async throws -> [[String: Any]] {
                        try await Self.get(site, "action=timeline&channel=home", token: reader).json["items"] as? [[String: Any]] ?? []
                    }
                    let marked = try await Self.post(
                        site,
                        [("action", "timeline"), ("method", "mark_read"), ("channel", "home"), ("entry[]", newest)],
                        token: reader
                    )
                    #expect(marked.status == .ok)
                    let one = try await timelineNow()
                    #expect(one.first?["_is_read"] as? Bool == true && one.dropFirst().allSatisfy { $0["_is_read"] as? Bool == false })
                    let sixth = try #require(one[5]["_id"] as? String)
                    _ = try await Self.post(site, [("action", "timeline"), ("method", "mark_read"), ("last_read_entry", sixth)], token: reader)
                    let upTo = try await timelineNow()
                    #expect(upTo.prefix(5).dropFirst().allSatisfy { $0["_is_read"] as? Bool == false }, "what is newer stays unread")
                    #expect(upTo.dropFirst(5).allSatisfy { $0["_is_read"] as? Bool == true }, "that entry and what is older are read")
                    _ = try await Self.post(site, [("action", "timeline"), ("method", "mark_read"), ("last_read_entry", newest)], token: reader)
                    #expect(
                        (try await Self.get(site, "action=channels", token: reader).json["channels"] as? [[String: Any]])?.last?["unread"] as? Int
                            == 0
                    )
                    _ = try await Self.post(
                        site,
                        [("action", "timeline"), ("method", "mark_unread"), ("channel", "home"), ("entry", newest)],
                        token: reader
                    )
                    let unread = try await timelineNow()
                    #expect(unread.first?["_is_read"] as? Bool == false && unread.dropFirst().allSatisfy { $0["_is_read"] as? Bool == true })
                    #expect(try await Self.post(site, [("action", "timeline"), ("method", "mark_read")], token: reader).status == .badRequest)

                    // Search gives the address to follow; unfollow takes it away.
                    let search = try await Self.post(site, [("action", "search"), ("query", "example.com")], token: reader).json
                    #expect((search["results"] as? [[String: Any]])?.first?["url"] as? String == "https://example.com")
                    let gone = try await Self.post(
                        site,
                        [("action", "unfollow"), ("channel", "home"), ("url", bo.base + "/feed.json")],
                        token: reader
                    )
                    #expect(gone.status == .ok)
                    let remaining = try await Self.get(site, "action=follow&channel=home", token: reader).json["items"] as? [[String: Any]]
                    #expect(remaining?.compactMap { $0["url"] as? String } == [ada.base + "/"])

                    // Unknown things are refused in the specification's words.
                    #expect(try await Self.post(site, [("action", "channels"), ("name", "Podcasts")], token: reader).status == .forbidden)
                    #expect(try await Self.get(site, "action=timeline&channel=nope", token: reader).status == .badRequest)
                    #expect(try await Self.get(site, "action=dance", token: reader).status == .badRequest)
                    let notifications = try await Self.get(site, "action=timeline&channel=notifications", token: reader).json
                    #expect((notifications["items"] as? [Any])?.isEmpty == true)
                }
            }
        }
    }

    /// A site whose page `/reply?to=URL` replies to URL, as a stranger's site does.
    static func replyingSite(_ body: (PeerServer) async throws -> Void) async throws {
        try await PeerServer.run { router, _, _ in
            router.get("/reply") { request, _ in
                let target = request.uri.queryParameters["to"].map(String.init) ?? ""
                return PeerServer.html(
                    """
                    <article class="h-entry"><a class="p-author h-card" href="/">Cy</a>
                    <a class="u-in-reply-to" href="\(target)">in reply</a><p class="e-content">Lovely episode</p></article>
                    """
                )
            }
        } body: { peer in
            try await body(peer)
        }
    }

    @Test(
        "channels made, renamed, ordered and deleted; sources followed into a channel read there alone; a removed entry stays removed; a preview follows nothing; a reply to the site is a notification"
    )
    func channels() async throws {
        try await TimelineTests.adasSite { ada in
            try await Self.busySite { bo in
                try await Self.replyingSite { cy in
                    try await TestSite.run(configure: Webmentions.allowPrivate) { site in
                        let reader = try await site.token("read follow channels")
                        func channelList() async throws -> [[String: Any]] {
                            try await Self.get(site, "action=channels", token: reader).json["channels"] as? [[String: Any]] ?? []
                        }
                        func timeline(_ channel: String) async throws -> [[String: Any]] {
                            try await Self.get(site, "action=timeline&channel=\(channel)", token: reader).json["items"] as? [[String: Any]] ?? []
                        }

                        // Made, in the order made; a second of the same name gets its own uid; a name is needed.
                        let podcasts = try await Self.post(site, [("action", "channels"), ("name", "Podcasts")], token: reader)
                        #expect(podcasts.status == .ok && podcasts.json["name"] as? String == "Podcasts")
                        let podcastsUID = try #require(podcasts.json["uid"] as? String)
                        let friends = try #require(
                            try await Self.post(site, [("action", "channels"), ("name", "Friends")], token: reader).json["uid"] as? String
                        )
                        let again = try await Self.post(site, [("action", "channels"), ("name", "Podcasts")], token: reader).json
                        #expect(again["uid"] as? String != podcastsUID)
                        let unnamed = try await Self.post(site, [("action", "channels"), ("name", "  ")], token: reader)
                        #expect(unnamed.status == .badRequest && unnamed.json["error"] as? String == "invalid_request")
                        #expect(
                            try await channelList().compactMap { $0["name"] as? String } == [
                                "Notifications", "Home", "Podcasts", "Friends", "Podcasts",
                            ]
                        )

                        // Renamed, deleted, ordered (a subset takes the places it held among itself).
                        let renamed = try await Self.post(site, [("action", "channels"), ("channel", friends), ("name", "People")], token: reader)
                        #expect(renamed.json["uid"] as? String == friends && renamed.json["name"] as? String == "People")
                        let spare = try #require(again["uid"] as? String)
                        #expect(
                            try await Self.post(site, [("action", "channels"), ("channel", spare), ("method", "delete")], token: reader).status == .ok
                        )
                        _ = try await Self.post(
                            site,
                            [("action", "channels"), ("method", "order"), ("channels[]", friends), ("channels[]", podcastsUID)],
                            token: reader
                        )
                        #expect(try await channelList().compactMap { $0["uid"] as? String } == ["notifications", "home", friends, podcastsUID])
                        let homeGone = try await Self.post(site, [("action", "channels"), ("channel", "home"), ("method", "delete")], token: reader)
                        #expect(homeGone.status == .badRequest)

                        // Sources followed into channels are read there, each channel's unread counted apart.
                        _ = try await Self.post(site, [("action", "follow"), ("channel", friends), ("url", ada.base + "/")], token: reader)
                        _ = try await Self.post(
                            site,
                            [("action", "follow"), ("channel", podcastsUID), ("url", bo.base + "/feed.json")],
                            token: reader
                        )
                        let people = try await timeline(friends)
                        #expect(people.count == 3 && people.allSatisfy { ($0["url"] as? String)?.hasPrefix(ada.base) == true })
                        #expect(try await timeline("home").isEmpty)
                        let counts = Dictionary(
                            uniqueKeysWithValues: try await channelList().map { ($0["uid"] as? String ?? "", $0["unread"] as? Int ?? -1) }
                        )
                        #expect(counts == ["notifications": 0, "home": 0, friends: 3, podcastsUID: 25])
                        let listed = try await Self.get(site, "action=follow&channel=\(friends)", token: reader).json["items"] as? [[String: Any]]
                        #expect(listed?.compactMap { $0["url"] as? String } == [ada.base + "/"])

                        // Reading up to an entry in one channel leaves the other's unread.
                        let newestPodcast = try #require(try await timeline(podcastsUID).first?["_id"] as? String)
                        _ = try await Self.post(
                            site,
                            [("action", "timeline"), ("method", "mark_read"), ("channel", friends), ("last_read_entry", newestPodcast)],
                            token: reader
                        )
                        #expect(try await timeline(friends).allSatisfy { $0["_is_read"] as? Bool == true })
                        #expect(try await timeline(podcastsUID).allSatisfy { $0["_is_read"] as? Bool == false })

                        // A removed entry leaves the channel, and a refresh of its source does not bring it back.
                        let removed = try #require(people.first?["_id"] as? String)
                        let removal = try await Self.post(
                            site,
                            [("action", "timeline"), ("method", "remove"), ("channel", friends), ("entry", removed)],
                            token: reader
                        )
                        #expect(removal.status == .ok)
                        #expect(try await timeline(friends).count == 2)
                        let refreshed = try await Microcast.run([
                            "following", "refresh", ada.base + "/", "--allow-private-fetch", "--data", site.data.path,
                        ])
                        #expect(refreshed.status == 0, "\(refreshed.errors)")
                        #expect(try await timeline(friends).compactMap { $0["_id"] as? String }.contains(removed) == false)
                        #expect(try await timeline(friends).count == 2)

                        // Deleting a channel sends its sources home, entries and all.
                        _ = try await Self.post(site, [("action", "channels"), ("channel", friends), ("method", "delete")], token: reader)
                        #expect(try await timeline("home").count == 2)
                        #expect(try await Self.get(site, "action=timeline&channel=\(friends)", token: reader).status == .badRequest)

                        // A preview reads a feed without following it.
                        let preview = try await Self.post(site, [("action", "preview"), ("url", ada.base + "/")], token: reader).json
                        let previewed = preview["items"] as? [[String: Any]] ?? []
                        #expect(previewed.count == 3 && previewed.first?["url"] as? String == ada.base + "/notes/1")
                        #expect(previewed.allSatisfy { $0["_id"] == nil })
                        let follows = try await Self.get(site, "action=follow&channel=home", token: reader).json["items"] as? [[String: Any]]
                        #expect(follows?.count == 1)

                        // A reply to one of the site's posts is a notification, unread while it waits for approval.
                        let post = try await Webmentions.createPost(on: site, token: try await site.token("create"), [("content", "Episode one")])
                        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
                        let source = cy.base + "/reply?to=" + (post.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
                        #expect(try await Webmentions.sendWebmention(to: site, source: source, target: post).status == .accepted)
                        try await Webmentions.eventually("the reply is a notification") { try await !timeline("notifications").isEmpty }
                        let notification = try #require(try await timeline("notifications").first)
                        #expect(notification["in-reply-to"] as? [String] == [post] && notification["_is_read"] as? Bool == false)
                        #expect((notification["content"] as? [String: Any])?["text"] as? String == "Lovely episode")
                        #expect((notification["author"] as? [String: Any])?["name"] as? String == "Cy")
                        #expect(try await channelList().first?["unread"] as? Int == 1)
                        let markNotification = try await Self.post(
                            site,
                            [("action", "timeline"), ("method", "mark_read"), ("channel", "notifications"), ("entry", "x")],
                            token: reader
                        )
                        #expect(markNotification.status == .badRequest)
                    }
                }
            }
        }
    }
}
