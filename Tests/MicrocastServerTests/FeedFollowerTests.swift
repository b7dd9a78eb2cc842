import Foundation
import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Following a site starts with finding its feed and reading it without
/// costing the site more than it must; these are real HTTP exchanges on loopback.
@Suite("Following: a site's feed found and read politely")
struct FeedFollowerTests {
    /// The requests the followed site saw for its RSS feed, and how many it answered with 304.
    final class Counts: Sendable {
        let state = Mutex((requests: 0, notModified: 0, lastIfNoneMatch: String?.none))
        var snapshot: (requests: Int, notModified: Int, lastIfNoneMatch: String?) { state.withLock { $0 } }
    }

    static func site(_ counts: Counts, _ body: (PeerServer) async throws -> Void) async throws {
        try await PeerServer.run { router, base, _ in
            router.get("/") { _, _ in
                PeerServer.html(
                    """
                    <div class="h-feed"><span class="p-name">Ada's notes</span>
                    <article class="h-entry"><p class="p-name e-content">First <a href="javascript:alert(1)">note</a></p>
                    <a class="u-url" href="/notes/1"><time class="dt-published" datetime="2026-11-01T10:00:00Z">1 Nov</time></a></article></div>
                    """,
                    headers: [HTTPField.Name("Link")!: "<\(base)/hub>; rel=\"hub\", <\(base)/>; rel=\"self\""]
                )
            }
            router.get("/blog") { _, _ in
                PeerServer.html(#"<link rel="alternate" type="application/rss+xml" href="/blog/feed.xml"><p>A blog without microformats</p>"#)
            }
            router.get("/blog/feed.xml") { request, _ in
                let sent = request.headers[.ifNoneMatch]
                let unchanged = sent == "\"v1\""
                counts.state.withLock {
                    $0.requests += 1
                    $0.lastIfNoneMatch = sent
                    if unchanged { $0.notModified += 1 }
                }
                if unchanged { return Response(status: .notModified, headers: [.eTag: "\"v1\""]) }
                let rss = """
                    <rss version="2.0"><channel><title>The Blog</title><link>\(base)/blog</link>
                    <item><title>Episode</title><guid>ep-1</guid><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate>
                    <enclosure url="/e1.mp3" type="audio/mpeg" length="99"/></item></channel></rss>
                    """
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/rss+xml", .eTag: "\"v1\""],
                    body: .init(byteBuffer: ByteBuffer(string: rss))
                )
            }
            router.get("/links") { _, _ in
                PeerServer.html(#"<link rel="alternate" type="application/feed+json" href="/feed.json"><p>Only JSON</p>"#)
            }
            router.get("/feed.json") { _, _ in
                let json = #"{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{"id": "1", "content_text": "hello"}]}"#
                return Response(status: .ok, headers: [.contentType: "application/feed+json"], body: .init(byteBuffer: ByteBuffer(string: json)))
            }
            router.get("/plain") { _, _ in PeerServer.html("<p>No feed here</p>") }
            router.get("/circle") { _, _ in PeerServer.html(#"<link rel="alternate" type="application/rss+xml" href="/plain">"#) }
        } body: { peer in
            try await body(peer)
        }
    }

    static func follower(allowPrivate: Bool = true) -> FeedFollower {
        FeedFollower(
            fetcher: SafeFetcher(
                policy: FetchPolicy(userAgent: "test", allowPrivateAddresses: allowPrivate),
                resolver: NameResolver(threads: NIOThreadPool.singleton)
            )
        )
    }

    @Test("an h-feed page, a page naming its RSS, a page naming its JSON Feed: each found and read, its hub kept")
    func discovers() async throws {
        let counts = Counts()
        try await Self.site(counts) { peer in
            let follower = Self.follower()
            let home = try await follower.discover(URL(string: peer.base + "/")!)
            #expect(home.feed.format == .hFeed && home.feed.hub?.absoluteString == peer.base + "/hub")
            #expect(home.read.title == "Ada's notes")
            #expect(home.read.entries.map(\.id) == [peer.base + "/notes/1"])
            #expect(home.read.entries.first?.contentHTML?.contains("javascript") == false, "a stranger's link is sanitised")

            let blog = try await follower.discover(URL(string: peer.base + "/blog")!)
            #expect(blog.feed == DiscoveredFeed(url: URL(string: peer.base + "/blog/feed.xml")!, format: .rss))
            #expect(blog.read.entries.first?.attachments.first?.url.absoluteString == peer.base + "/e1.mp3")
            #expect(blog.validators.etag == "\"v1\"")

            let json = try await follower.discover(URL(string: peer.base + "/links")!)
            #expect(json.feed.format == .jsonFeed && json.read.entries.first?.contentHTML == "hello")
        }
    }

    @Test("a second poll sends the ETag back and a 304 reads nothing; a page without a feed is refused with its reason")
    func conditional() async throws {
        let counts = Counts()
        try await Self.site(counts) { peer in
            let follower = Self.follower()
            let blog = try await follower.discover(URL(string: peer.base + "/blog")!)
            #expect(counts.snapshot.requests == 1 && counts.snapshot.lastIfNoneMatch == nil)
            let again = try await follower.poll(blog.feed, validators: blog.validators)
            #expect(again == .unchanged)
            #expect(counts.snapshot.notModified == 1 && counts.snapshot.lastIfNoneMatch == "\"v1\"")
            // Without validators the feed is read in full again.
            guard case .read(let feed, _) = try await follower.poll(blog.feed, validators: .init()) else {
                Issue.record("a poll without validators reads the feed")
                return
            }
            #expect(feed.entries.map(\.id) == ["ep-1"])

            await #expect(throws: FeedFollower.Failure.self) { try await follower.discover(URL(string: peer.base + "/plain")!) }
            do {
                _ = try await follower.discover(URL(string: peer.base + "/circle")!)
                Issue.record("a page that names another page is not followed")
            } catch let failure as FeedFollower.Failure {
                #expect(failure.description.contains("named as its feed, is not a feed"), "\(failure)")
            }
        }
    }

    @Test("a site on a private address is not fetched unless the operator allows it")
    func privateAddresses() async throws {
        try await Self.site(Counts()) { peer in
            await #expect(throws: FetchError.self) { try await Self.follower(allowPrivate: false).discover(URL(string: peer.base + "/")!) }
        }
    }

    @Test(
        "microcast follow, following, following refresh and unfollow: the entries reach the timeline, an unchanged feed is a 304, a new item is read",
        arguments: [TestSite.Database.sqlite, .postgres]
    )
    func commands(database: TestSite.Database) async throws {
        let counts = Counts()
        let second = Mutex(false)
        try await PeerServer.run { router, base, _ in
            router.get("/feed.xml") { request, _ in
                let sent = request.headers[.ifNoneMatch]
                let version = second.withLock { $0 } ? "\"v2\"" : "\"v1\""
                counts.state.withLock {
                    $0.requests += 1
                    $0.lastIfNoneMatch = sent
                    if sent == version { $0.notModified += 1 }
                }
                if sent == version { return Response(status: .notModified, headers: [.eTag: version]) }
                var items = "<item><title>One</title><guid>1</guid><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate></item>"
                if second.withLock({ $0 }) {
                    items = "<item><title>Two</title><guid>2</guid><pubDate>Tue, 03 Nov 2026 10:00:00 GMT</pubDate></item>" + items
                }
                let rss = "<rss version=\"2.0\"><channel><title>Eve</title><link>\(base)/</link>\(items)</channel></rss>"
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/rss+xml", .eTag: version],
                    body: .init(byteBuffer: ByteBuffer(string: rss))
                )
            }
        } body: { peer in
            try await TestSite.run(database: database) { site in
                let place = ["--data", site.data.path] + site.databaseArguments
                let feed = peer.base + "/feed.xml"
                let followed = try await Microcast.run(["follow", feed, "--allow-private-fetch"] + place)
                #expect(followed.status == 0, "\(followed.errors)")
                #expect(followed.output.contains("following \(feed): Eve, rss"), "\(followed.output)")
                #expect(try await site.store.timeline(limit: 10, before: nil).map(\.entry.title) == ["One"])

                let listed = try await Microcast.run(["following"] + place)
                #expect(listed.output.contains(feed) && listed.output.contains("\tEve\trss\t") && listed.output.contains("\tok"), "\(listed.output)")

                let unchanged = try await Microcast.run(["following", "refresh", "--allow-private-fetch"] + place)
                #expect(unchanged.output.contains("1 polled, 0 new entries"), "\(unchanged.output) \(unchanged.errors)")
                #expect(counts.snapshot.notModified == 1 && counts.snapshot.lastIfNoneMatch == "\"v1\"", "the ETag went back; a 304 came")

                second.withLock { $0 = true }
                let fresh = try await Microcast.run(["following", "refresh", feed, "--allow-private-fetch"] + place)
                #expect(fresh.output.contains("1 polled, 1 new entries"), "\(fresh.output) \(fresh.errors)")
                let timeline = try await site.store.timeline(limit: 10, before: nil)
                #expect(timeline.map(\.entry.title) == ["Two", "One"], "newest first")
                #expect(try await site.store.timeline(limit: 10, before: timeline[0].id).map(\.entry.title) == ["One"], "paged from an item")

                let gone = try await Microcast.run(["unfollow", feed] + place)
                #expect(gone.status == 0)
                #expect(try await site.store.timeline(limit: 10, before: nil).isEmpty, "an unfollowed source's entries leave the timeline")
                #expect(try await Microcast.run(["unfollow", feed] + place).status != 0, "unfollowing twice says so")
                let nothing = try await Microcast.run(["follow", peer.base + "/nowhere", "--allow-private-fetch"] + place)
                #expect(nothing.status != 0 && nothing.errors.contains("answered 404"), "\(nothing.errors)")
            }
        }
    }
}
