import Foundation
import MicrocastCore
import Testing

/// The timeline's rules without a server: what an answer posts, how long items are kept, what kind an item is.
@Suite("Timeline rules")
struct TimelineRulesTests {
    let note = TimelineEntry(
        id: "1",
        url: URL(string: "https://ada.example/notes/1"),
        contentHTML: "<p>A note <em>worth</em> answering</p>",
        author: .init(name: "Ada")
    )

    @Test("each answer is its property with the item's address; a reply needs words; an item without an http(s) address cannot be answered")
    func answers() throws {
        let reply = try TimelineResponse.reply.post(answering: note, text: " Quite so. ")
        #expect(reply.properties["in-reply-to"] == [.string("https://ada.example/notes/1")])
        #expect(reply.properties["content"] == [.markdown("Quite so.")])
        let like = try TimelineResponse.like.post(answering: note, text: "")
        #expect(like.properties["like-of"] == [.string("https://ada.example/notes/1")] && like.properties["content"] == nil)
        #expect(try TimelineResponse.repost.post(answering: note, text: "").properties.keys.sorted() == ["repost-of"])
        #expect(try TimelineResponse.bookmark.post(answering: note, text: "later").properties["bookmark-of"] != nil)
        #expect(throws: TimelineResponse.Refusal(description: "write the reply first")) {
            try TimelineResponse.reply.post(answering: note, text: "  ")
        }
        var hostile = note
        hostile.url = URL(string: "javascript:alert(1)")
        #expect(throws: TimelineResponse.Refusal.self) { try TimelineResponse.like.post(answering: hostile, text: "") }
        let citation = try #require(TimelineResponse.citation(of: note, now: Date()))
        #expect(citation.name == "A note worth answering" && citation.authorName == "Ada")
    }

    @Test("retention: ninety days unless set; days or forever; nothing else")
    func retention() throws {
        #expect(TimelineRetention(settings: Settings()).days == 90)
        var settings = Settings()
        settings[.timelineRetentionDays] = "forever"
        #expect(TimelineRetention(settings: settings).days == nil && TimelineRetention(settings: settings).cutoff(now: Date()) == nil)
        #expect(try TimelineRetention.parse(" 7 ").days == 7)
        #expect(try TimelineRetention.parse("Forever").stored == "forever")
        for bad in ["0", "-3", "3651", "a week", ""] { #expect(throws: TimelineRetention.Refusal.self) { try TimelineRetention.parse(bad) } }
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(TimelineRetention(days: 2).cutoff(now: now) == now.addingTimeInterval(-172_800))
    }

    @Test("an item's kind: audio over video over photos over words")
    func kinds() {
        let url = URL(string: "https://a.example/x")!
        #expect(note.kind == .text)
        #expect(TimelineEntry(id: "p", photos: [url]).kind == .photo)
        #expect(TimelineEntry(id: "v", photos: [url], attachments: [.init(kind: .video, url: url)]).kind == .video)
        #expect(TimelineEntry(id: "a", attachments: [.init(kind: .video, url: url), .init(kind: .audio, url: url)]).kind == .audio)
    }

    @Test(
        "channels: home always there and never deleted, notifications never stored, uids from names and unique, a subset ordered in the places it held"
    )
    func channels() throws {
        var channels = TimelineChannels(stored: nil)
        #expect(channels.list == [TimelineChannel(uid: "home", name: "Home")])
        let podcasts = try channels.create(name: "  Podcasts & Radio ")
        #expect(podcasts == TimelineChannel(uid: "podcasts-radio", name: "Podcasts & Radio"))
        #expect(try channels.create(name: "Podcasts & Radio").uid == "podcasts-radio-2")
        #expect(try channels.create(name: "Notifications").uid == "notifications-2", "the reserved uid is never given")
        #expect(try channels.create(name: "Café").uid == "cafe")
        #expect(try channels.create(name: "🎧").uid == "channel")
        #expect(throws: TimelineChannels.Failure.self) { try channels.create(name: " ") }
        #expect(throws: TimelineChannels.Failure.self) { try channels.create(name: String(repeating: "x", count: 101)) }
        #expect(throws: TimelineChannels.Failure.self) { try channels.remove("home") }
        #expect(throws: TimelineChannels.Failure.self) { try channels.rename("nope", to: "x") }

        try channels.order(["channel", "podcasts-radio"])
        #expect(channels.list.map(\.uid) == ["home", "channel", "podcasts-radio-2", "notifications-2", "cafe", "podcasts-radio"])
        #expect(throws: TimelineChannels.Failure.self) { try channels.order(["cafe", "cafe"]) }
        try channels.remove("podcasts-radio-2")
        _ = try channels.rename("home", to: "Everything")

        let reread = TimelineChannels(stored: channels.stored)
        #expect(reread == channels && reread.list.first == TimelineChannel(uid: "home", name: "Everything"))
        #expect(TimelineChannels(stored: "not json").list.map(\.uid) == ["home"])
        #expect(TimelineChannels([TimelineChannel(uid: "notifications", name: "N")]).list.map(\.uid) == ["home"])
    }

    @Test("a follow from an archive made before channels is read into home; one with a channel keeps it")
    func followWithoutChannel() throws {
        let feed = DiscoveredFeed(url: URL(string: "https://a.example/feed")!, format: .rss)
        let follow = Follow(
            address: "https://a.example",
            feed: feed,
            nextPollAt: Date(timeIntervalSince1970: 0),
            createdAt: Date(timeIntervalSince1970: 0),
            channel: "news"
        )
        let encoded = try JSONEncoder().encode(follow)
        #expect(try JSONDecoder().decode(Follow.self, from: encoded) == follow)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        object["channel"] = nil
        let old = try JSONDecoder().decode(Follow.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.channel == TimelineChannel.home && old.address == follow.address)
    }
}
