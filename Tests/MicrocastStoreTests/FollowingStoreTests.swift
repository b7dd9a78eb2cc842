import Foundation
import MicrocastCore
import Testing

/// The reading list and its timeline on both stores.
@Suite("Followed sources and the timeline")
struct FollowingStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func follow(_ address: String, at date: Date) -> Follow {
        Follow(
            address: address,
            feed: DiscoveredFeed(url: URL(string: address + "/feed.xml")!, format: .rss, hub: URL(string: "https://hub.example/")),
            title: "T",
            etag: "\"v1\"",
            interval: 1800,
            nextPollAt: date.addingTimeInterval(1800),
            createdAt: date
        )
    }

    func entry(_ id: String, hoursAgo: Double?) -> TimelineEntry {
        TimelineEntry(id: id, url: URL(string: "https://a.example/\(id)"), title: id, published: hoursAgo.map { now.addingTimeInterval(-$0 * 3600) })
    }

    @Test(
        "a source is stored with its first entries; following it again keeps one row; entries seen before are not added twice",
        arguments: StoreKind.allCases
    )
    func addAndPoll(kind: StoreKind) async throws {
        try await kind.with { store in
            let first = try await store.addFollow(
                follow("https://a.example", at: now),
                entries: [entry("1", hoursAgo: 3), entry("2", hoursAgo: nil)]
            )
            #expect(first.id > 0 && first.feed.hub?.absoluteString == "https://hub.example/" && first.etag == "\"v1\"")
            let again = try await store.addFollow(follow("https://a.example", at: now), entries: [entry("1", hoursAgo: 3)])
            #expect(again.id == first.id)
            #expect(try await store.follows().count == 1)
            // An entry without a date is placed when it was seen: now, so it is first.
            #expect(try await store.timeline(limit: 10, before: nil).map(\.entry.id) == ["2", "1"])

            let added = try await store.recordPoll(
                followId: first.id,
                .read(
                    entries: [entry("3", hoursAgo: 1), entry("1", hoursAgo: 3)],
                    etag: "\"v2\"",
                    lastModified: nil,
                    title: "New title",
                    interval: 3600
                ),
                now: now
            )
            #expect(added == 1)
            let polled = try #require(try await store.follow(address: "https://a.example"))
            #expect(polled.etag == "\"v2\"" && polled.title == "New title" && polled.nextPollAt == now.addingTimeInterval(3600))

            _ = try await store.recordPoll(followId: first.id, .failed(reason: "answered 500", interval: 900), now: now)
            _ = try await store.recordPoll(followId: first.id, .failed(reason: "answered 503", interval: 1800), now: now)
            let failing = try #require(try await store.follow(address: "https://a.example"))
            #expect(failing.failures == 2 && failing.lastError == "answered 503")
            _ = try await store.recordPoll(followId: first.id, .unchanged(interval: 2700), now: now)
            let recovered = try #require(try await store.follow(address: "https://a.example"))
            #expect(recovered.failures == 0 && recovered.lastError == nil && recovered.etag == "\"v2\"")
        }
    }

    @Test(
        "a due source is claimed by one poller at a time; refresh makes it due; the timeline pages newest first; unfollowing removes its entries",
        arguments: StoreKind.allCases
    )
    func claimPageRemove(kind: StoreKind) async throws {
        try await kind.with { store in
            let a = try await store.addFollow(follow("https://a.example", at: now), entries: (1...5).map { entry("a\($0)", hoursAgo: Double($0)) })
            _ = try await store.addFollow(follow("https://b.example", at: now), entries: [entry("b1", hoursAgo: 2.5)])
            #expect(try await store.claimDueFollow(now: now, lease: 300) == nil, "nothing is due before its time")
            let later = now.addingTimeInterval(1800)
            let claimed = try #require(try await store.claimDueFollow(now: later, lease: 300))
            let other = try #require(try await store.claimDueFollow(now: later, lease: 300))
            #expect(claimed.address != other.address, "each is claimed once")
            #expect(try await store.claimDueFollow(now: later, lease: 300) == nil, "both are leased")
            #expect(
                try await store.claimFollows(address: "https://a.example", now: later, lease: 300).map(\.id) == [a.id],
                "refresh takes it however leased"
            )
            #expect(try await store.claimDueFollow(now: later.addingTimeInterval(300), lease: 300) != nil, "a lease ends")
            #expect(try await store.claimFollows(address: nil, now: later, lease: 300).count == 2)

            let page = try await store.timeline(limit: 3, before: nil)
            #expect(page.map(\.entry.id) == ["a1", "a2", "b1"])
            let next = try await store.timeline(limit: 3, before: page.last?.id)
            #expect(next.map(\.entry.id) == ["a3", "a4", "a5"])
            #expect(next.first?.entry.url?.absoluteString == "https://a.example/a3")

            #expect(try await store.removeFollow(address: "https://a.example"))
            #expect(try await !store.removeFollow(address: "https://a.example"))
            #expect(try await store.timeline(limit: 10, before: nil).map(\.entry.id) == ["b1"])

            let snapshot = try await store.snapshot()
            #expect(snapshot.follows.map(\.address) == ["https://b.example"] && snapshot.timeline.count == 1)
        }
    }

    @Test(
        "the timeline filtered by source and kind, paged within the filter; one item by id; items past the retention forgotten",
        arguments: StoreKind.allCases
    )
    func filterAndForget(kind: StoreKind) async throws {
        try await kind.with { store in
            let episode = TimelineEntry(
                id: "ep",
                url: URL(string: "https://a.example/ep"),
                published: now.addingTimeInterval(-3600),
                attachments: [.init(kind: .audio, url: URL(string: "https://a.example/ep.mp3")!)]
            )
            let photo = TimelineEntry(
                id: "ph",
                url: URL(string: "https://a.example/ph"),
                published: now.addingTimeInterval(-7200),
                photos: [URL(string: "https://a.example/ph.jpg")!]
            )
            let a = try await store.addFollow(
                follow("https://a.example", at: now),
                entries: [episode, photo, entry("old", hoursAgo: 24 * 30), entry("a1", hoursAgo: 3)]
            )
            let b = try await store.addFollow(follow("https://b.example", at: now), entries: [entry("b1", hoursAgo: 2.5)])
            #expect(try await store.timeline(TimelineQuery(limit: 10, kind: .audio)).map(\.entry.id) == ["ep"])
            #expect(try await store.timeline(TimelineQuery(limit: 10, kind: .photo)).map(\.entry.id) == ["ph"])
            #expect(try await store.timeline(TimelineQuery(limit: 10, followId: b.id)).map(\.entry.id) == ["b1"])
            let texts = try await store.timeline(TimelineQuery(limit: 1, followId: a.id, kind: .text))
            #expect(texts.map(\.entry.id) == ["a1"])
            #expect(try await store.timeline(TimelineQuery(limit: 5, before: texts[0].id, followId: a.id, kind: .text)).map(\.entry.id) == ["old"])
            #expect(try await store.timelineItem(id: texts[0].id)?.entry == entry("a1", hoursAgo: 3))
            #expect(try await store.timelineItem(id: 999_999) == nil)

            // Read state: one item, then everything from an item down, then one again unread.
            let all = try await store.timeline(limit: 10, before: nil)
            #expect(all.map(\.entry.id) == ["ep", "ph", "b1", "a1", "old"] && all.allSatisfy { !$0.isRead })
            #expect(try await store.timelineHasUnread())
            try await store.markTimeline(ids: [all[0].id], read: true)
            #expect(try await store.timeline(limit: 10, before: nil).map(\.isRead) == [true, false, false, false, false])
            try await store.markTimelineRead(through: all[2].id, channel: nil)
            #expect(try await store.timeline(limit: 10, before: nil).map(\.isRead) == [true, false, true, true, true])
            try await store.markTimelineRead(through: all[1].id, channel: nil)
            #expect(try await !store.timelineHasUnread())
            try await store.markTimeline(ids: [all[3].id], read: false)
            #expect(try await store.timeline(limit: 10, before: nil).map(\.isRead) == [true, true, true, false, true])
            #expect(try await store.timelineHasUnread())

            #expect(try await store.forgetTimeline(before: now.addingTimeInterval(-7 * 86_400)) == 1)
            #expect(try await store.timeline(limit: 10, before: nil).map(\.entry.id) == ["ep", "ph", "b1", "a1"])
        }
    }

    @Test(
        "sources sorted into channels: each channel's timeline, unread counts and read-up-to apart; a removed item stays out when its feed offers it again; a channel's sources moved home",
        arguments: StoreKind.allCases
    )
    func channels(kind: StoreKind) async throws {
        try await kind.with { store in
            _ = try await store.addFollow(follow("https://a.example", at: now), entries: [entry("a1", hoursAgo: 1), entry("a2", hoursAgo: 3)])
            let b = try await store.addFollow(follow("https://b.example", at: now), entries: [entry("b1", hoursAgo: 2)])
            #expect(try await store.setFollowChannel(address: "https://b.example", channel: "podcasts"))
            #expect(try await !store.setFollowChannel(address: "https://nowhere.example", channel: "podcasts"))
            #expect(try await store.follow(address: "https://b.example")?.channel == "podcasts")
            // Following again keeps the channel the owner chose.
            _ = try await store.addFollow(follow("https://b.example", at: now), entries: [])
            #expect(try await store.follow(address: "https://b.example")?.channel == "podcasts")

            #expect(try await store.timeline(TimelineQuery(limit: 10, channel: "home")).map(\.entry.id) == ["a1", "a2"])
            #expect(try await store.timeline(TimelineQuery(limit: 10, channel: "podcasts")).map(\.entry.id) == ["b1"])
            #expect(try await store.timelineUnreadCounts() == ["home": 2, "podcasts": 1])
            let b1 = try #require(try await store.timeline(TimelineQuery(limit: 1, channel: "podcasts")).first)
            try await store.markTimelineRead(through: b1.id, channel: "home")
            #expect(try await store.timelineUnreadCounts() == ["home": 1, "podcasts": 1], "a2 is older than b1 and in home; b1 is not")

            try await store.removeFromTimeline(ids: [b1.id])
            #expect(try await store.timeline(TimelineQuery(limit: 10, channel: "podcasts")).isEmpty)
            #expect(try await store.timelineUnreadCounts() == ["home": 1])
            _ = try await store.recordPoll(
                followId: b.id,
                .read(entries: [entry("b1", hoursAgo: 2)], etag: nil, lastModified: nil, title: nil, interval: 900),
                now: now
            )
            #expect(try await store.timeline(limit: 10, before: nil).map(\.entry.id) == ["a1", "a2"])
            #expect(try await store.snapshot().timeline.first { $0.entry.id == "b1" }?.isRemoved == true, "a copy keeps the mark")

            try await store.moveFollows(fromChannel: "podcasts", toChannel: "home")
            #expect(try await store.follows().allSatisfy { $0.channel == "home" })
        }
    }
}
