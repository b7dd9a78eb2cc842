import Foundation
import MicrocastCore
import Testing

@Suite("Following: finding a site's feed and reading its posts")
struct FollowedFeedTests {
    let page = URL(string: "https://alice.example/")!

    func discover(_ body: String, type: String?, links: [String] = [], at url: URL? = nil) -> FeedDiscovery.Outcome {
        FeedDiscovery.discover(url: url ?? page, contentType: type, linkHeaders: links, body: Data(body.utf8))
    }

    @Test("a page with an h-feed is followed as it is, with the hub its Link header names")
    func hFeedFirst() {
        let html = """
            <html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>
            <body><div class="h-feed"><article class="h-entry"><a class="u-url" href="/1">One</a></article></div></body></html>
            """
        let outcome = discover(html, type: "text/html; charset=utf-8", links: [#"<https://hub.example/>; rel="hub""#, #"</>; rel="self""#])
        #expect(outcome == .feed(DiscoveredFeed(url: page, format: .hFeed, hub: URL(string: "https://hub.example/")!, topic: page)))
    }

    @Test("without microformats, the page's alternates are taken in order: RSS, then Atom, then JSON Feed; never javascript:")
    func alternatesInOrder() {
        let all = """
            <html><head>
            <link rel="alternate" type="application/feed+json" href="/feed.json">
            <link rel="alternate" type="application/atom+xml" href="/atom.xml">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link rel="alternate" type="application/rss+xml" href="/rss.xml">
            </head><body><p>Hello</p></body></html>
            """
        #expect(discover(all, type: "text/html") == .alternate(URL(string: "https://alice.example/rss.xml")!, .rss))
        let atomAndJSON = all.replacingOccurrences(of: "application/rss+xml", with: "text/plain")
        #expect(discover(atomAndJSON, type: "text/html") == .alternate(URL(string: "https://alice.example/atom.xml")!, .atom))
        let onlyJSON = atomAndJSON.replacingOccurrences(of: "application/atom+xml", with: "text/plain")
        #expect(discover(onlyJSON, type: "text/html") == .alternate(URL(string: "https://alice.example/feed.json")!, .jsonFeed))
        guard case .nothing(let reason) = discover("<p>Nothing here</p>", type: "text/html") else {
            Issue.record("a page without a feed is not followable")
            return
        }
        #expect(reason.contains("no h-feed"))
        guard case .nothing = discover("GIF89a", type: "image/gif") else {
            Issue.record("an image is not a feed")
            return
        }
    }

    @Test("feeds are recognised by their content, with the hub and self links they carry")
    func feedsThemselves() {
        let feedURL = URL(string: "https://alice.example/feed.xml")!
        let rss = """
            <?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Alice</title>
            <atom:link rel="hub" href="https://hub.example/"/><atom:link rel="self" href="https://alice.example/feed.xml"/>
            </channel></rss>
            """
        #expect(
            discover(rss, type: "application/xml", at: feedURL)
                == .feed(DiscoveredFeed(url: feedURL, format: .rss, hub: URL(string: "https://hub.example/")!, topic: feedURL))
        )
        let atom = #"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title></feed>"#
        #expect(discover(atom, type: "text/xml", at: feedURL) == .feed(DiscoveredFeed(url: feedURL, format: .atom)))
        let json =
            #"{"version": "https://jsonfeed.org/version/1.1", "title": "A", "hubs": [{"type": "WebSub", "url": "https://hub.example/"}], "items": []}"#
        #expect(
            discover(json, type: "application/feed+json", at: feedURL)
                == .feed(DiscoveredFeed(url: feedURL, format: .jsonFeed, hub: URL(string: "https://hub.example/")!))
        )
        guard case .nothing = discover(#"{"hello": "world"}"#, type: "application/json", at: feedURL) else {
            Issue.record("JSON that is not a JSON Feed is not followable")
            return
        }
    }

    @Test("RSS: guid, link, title, HTML sanitised as a stranger's, enclosures by type, newest first")
    func readsRSS() throws {
        let rss = """
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
            <title>Kitchen Radio</title><link>https://radio.example/</link>
            <item><title>Older</title><guid>ep-1</guid><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate>
              <enclosure url="https://radio.example/1.mp3" type="audio/mpeg" length="1000"/></item>
            <item><title>Newer</title><link>https://radio.example/2</link><pubDate>Tue, 03 Nov 2026 10:00:00 +0000</pubDate>
              <content:encoded><![CDATA[<p>Hi <a href="javascript:alert(1)">x</a><script>alert(2)</script><img src="https://radio.example/a.jpg"></p>]]></content:encoded>
              <enclosure url="https://radio.example/2.jpg" type="image/jpeg"/></item>
            <item><title>No id at all</title></item>
            </channel></rss>
            """
        let feed = try FeedEntriesReader(feedURL: URL(string: "https://radio.example/feed")!).read(Data(rss.utf8), format: .rss)
        #expect(feed.title == "Kitchen Radio")
        #expect(feed.entries.map(\.id) == ["https://radio.example/2", "ep-1"])
        let newer = feed.entries[0]
        #expect(newer.title == "Newer" && newer.author?.name == "Kitchen Radio")
        let html = try #require(newer.contentHTML)
        #expect(html.contains("Hi") && !html.contains("javascript") && !html.contains("script") && !html.contains("<img"), "\(html)")
        #expect(newer.photos == [URL(string: "https://radio.example/2.jpg")!])
        #expect(
            feed.entries[1].attachments == [.init(kind: .audio, url: URL(string: "https://radio.example/1.mp3")!, type: "audio/mpeg", length: 1000)]
        )
    }

    @Test("Atom: id, the alternate link, html and text content, the feed's author when the entry has none")
    func readsAtom() throws {
        let atom = """
            <feed xmlns="http://www.w3.org/2005/Atom"><title>Bob</title><link href="https://bob.example/"/>
            <author><name>Bob</name><uri>https://bob.example/</uri></author>
            <entry><id>tag:bob.example,2026:1</id><title>First</title><link rel="alternate" href="/1"/>
              <published>2026-11-01T10:00:00Z</published><content type="html">&lt;b&gt;bold&lt;/b&gt; &lt;i onclick="x()"&gt;it&lt;/i&gt;</content></entry>
            <entry><id>tag:bob.example,2026:2</id><link href="https://bob.example/2"/><updated>2026-11-02T10:00:00Z</updated>
              <summary>a &lt;plain&gt; summary</summary></entry>
            </feed>
            """
        let feed = try FeedEntriesReader(feedURL: URL(string: "https://bob.example/atom.xml")!).read(Data(atom.utf8), format: .atom)
        #expect(feed.entries.map(\.id) == ["tag:bob.example,2026:2", "tag:bob.example,2026:1"])
        #expect(feed.entries[1].url == URL(string: "https://bob.example/1"))
        #expect(feed.entries[1].contentHTML?.contains("<b>bold</b>") == true && feed.entries[1].contentHTML?.contains("onclick") == false)
        #expect(feed.entries[0].contentHTML == "a &lt;plain&gt; summary")
        #expect(feed.entries[0].author == .init(name: "Bob", url: URL(string: "https://bob.example/")))
    }

    @Test("JSON Feed: items with html or text, authors of 1.0 and 1.1, attachments; a number id is kept")
    func readsJSONFeed() throws {
        let json = """
            {"version": "https://jsonfeed.org/version/1.1", "title": "Carol", "authors": [{"name": "Carol", "avatar": "https://carol.example/me.jpg"}],
             "items": [
               {"id": 7, "url": "https://carol.example/7", "content_text": "x < y", "date_published": "2026-11-01T10:00:00Z"},
               {"id": "8", "content_html": "<p>Video</p>", "date_published": "2026-11-02T10:00:00+01:00",
                "author": {"name": "Guest"}, "attachments": [{"url": "https://carol.example/8.mp4", "mime_type": "video/mp4", "size_in_bytes": 12}]}
             ]}
            """
        let feed = try FeedEntriesReader(feedURL: URL(string: "https://carol.example/feed.json")!).read(Data(json.utf8), format: .jsonFeed)
        #expect(feed.entries.map(\.id) == ["8", "7"])
        #expect(feed.entries[1].contentHTML == "x &lt; y" && feed.entries[1].author?.photo == URL(string: "https://carol.example/me.jpg"))
        #expect(feed.entries[0].author?.name == "Guest")
        #expect(feed.entries[0].attachments.first?.kind == .video && feed.entries[0].attachments.first?.length == 12)
    }

    @Test("h-feed: entries with their author card, a note without a title, a reply's target, photos resolved")
    func readsHFeed() throws {
        let html = """
            <div class="h-feed"><span class="p-name">Dana's notes</span>
              <span class="p-author h-card"><a class="u-url p-name" href="https://dana.example/">Dana</a><img class="u-photo" src="/me.jpg" alt=""></span>
              <article class="h-entry"><h1 class="p-name">A title</h1><div class="e-content">Words <b>here</b></div>
                <a class="u-url" href="/2"><time class="dt-published" datetime="2026-11-02T10:00:00Z">2 Nov</time></a></article>
              <article class="h-entry"><p class="p-name e-content">Just a note</p><img class="u-photo" src="/p.jpg" alt="">
                <a class="u-in-reply-to" href="https://elsewhere.example/post">re</a>
                <a class="u-url" href="/1"><time class="dt-published" datetime="2026-11-01T10:00:00Z">1 Nov</time></a></article>
            </div>
            """
        let feed = try FeedEntriesReader(feedURL: URL(string: "https://dana.example/")!).read(Data(html.utf8), format: .hFeed)
        #expect(feed.title == "Dana's notes")
        #expect(feed.entries.map(\.id) == ["https://dana.example/2", "https://dana.example/1"])
        #expect(feed.entries[0].title == "A title" && feed.entries[0].contentHTML?.contains("<b>here</b>") == true)
        #expect(feed.entries[1].title == nil, "a note's implied name is not a title")
        #expect(feed.entries[1].photos == [URL(string: "https://dana.example/p.jpg")!])
        #expect(feed.entries[1].inReplyTo == URL(string: "https://elsewhere.example/post"))
        #expect(
            feed.entries[1].author
                == .init(name: "Dana", url: URL(string: "https://dana.example/"), photo: URL(string: "https://dana.example/me.jpg"))
        )
    }

    @Test("a feed gives at most its limit of entries, the newest; one id twice is one entry")
    func bounded() throws {
        let items = (1...30).map {
            "<item><guid>g\($0 % 25)</guid><pubDate>Mon, \(String(format: "%02d", $0 % 28 + 1)) Nov 2026 10:00:00 GMT</pubDate></item>"
        }
        let rss = "<rss version=\"2.0\"><channel><title>T</title>\(items.joined())</channel></rss>"
        let feed = try FeedEntriesReader(feedURL: URL(string: "https://t.example/feed")!, limit: 10).read(Data(rss.utf8), format: .rss)
        #expect(feed.entries.count == 10)
        #expect(Set(feed.entries.map(\.id)).count == 10)
        #expect(zip(feed.entries, feed.entries.dropFirst()).allSatisfy { ($0.published ?? .distantPast) >= ($1.published ?? .distantPast) })
        #expect(throws: FeedEntriesReader.Failure.self) {
            try FeedEntriesReader(feedURL: URL(string: "https://t.example/")!).read(Data("<html/>".utf8), format: .rss)
        }
    }

    @Test("a source that posts hourly is asked every half hour; a quiet one daily; nothing new stretches it; failures back off to a day")
    func schedule() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let hourly = (0..<10).map { now.addingTimeInterval(-Double($0) * 3600 - 60) }
        #expect(PollSchedule.interval(published: hourly, now: now) == 1800)
        let monthly = (0..<5).map { now.addingTimeInterval(-Double($0) * 30 * 86400) }
        #expect(PollSchedule.interval(published: monthly, now: now) == PollSchedule.longest)
        let burstLongAgo = (0..<5).map { now.addingTimeInterval(-200 * 86400 - Double($0) * 60) }
        #expect(PollSchedule.interval(published: burstLongAgo, now: now) == PollSchedule.longest, "a burst long ago is not a sign of more")
        #expect(PollSchedule.interval(published: [], now: now) == PollSchedule.shortest * 4)
        let minutes = (0..<10).map { now.addingTimeInterval(-Double($0) * 60) }
        #expect(PollSchedule.interval(published: minutes, now: now) == PollSchedule.shortest, "never sooner than 15 minutes")
        #expect(PollSchedule.unchanged(previous: 1800) == 2700)
        #expect(PollSchedule.afterFailure(count: 1) == PollSchedule.shortest)
        #expect(PollSchedule.afterFailure(count: 3) == PollSchedule.shortest * 4)
        #expect(PollSchedule.afterFailure(count: 40) == PollSchedule.longest)
    }
}
