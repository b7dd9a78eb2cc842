import Foundation

/// A source the owner follows: the address they gave, the feed found
/// behind it, and how politely it is being polled.
public struct Follow: Sendable, Equatable, Codable {
    public var id: Int64
    /// The address as the owner gave it (a page, a feed): what `unfollow` names.
    public var address: String
    public var feed: DiscoveredFeed
    public var title: String?
    /// The last answer's validators, sent back on the next poll.
    public var etag: String?
    public var lastModified: String?
    /// Seconds between polls, as `PollSchedule` last set it.
    public var interval: TimeInterval
    public var nextPollAt: Date
    public var lastPolledAt: Date?
    /// Failures in a row, and the last one's reason (shown in the list).
    public var failures: Int
    public var lastError: String?
    public var createdAt: Date
    /// The Microsub channel its entries are read in (`TimelineChannel.home` unless the owner sorted it).
    public var channel: String

    public init(
        id: Int64 = 0,
        address: String,
        feed: DiscoveredFeed,
        title: String? = nil,
        etag: String? = nil,
        lastModified: String? = nil,
        interval: TimeInterval = PollSchedule.shortest,
        nextPollAt: Date,
        lastPolledAt: Date? = nil,
        failures: Int = 0,
        lastError: String? = nil,
        createdAt: Date,
        channel: String = TimelineChannel.home
    ) {
        self.id = id
        self.address = address
        self.feed = feed
        self.title = title
        self.etag = etag
        self.lastModified = lastModified
        self.interval = interval
        self.nextPollAt = nextPollAt
        self.lastPolledAt = lastPolledAt
        self.failures = failures
        self.lastError = lastError
        self.createdAt = createdAt
        self.channel = channel
    }
}

extension Follow {
    enum CodingKeys: String, CodingKey {
        case id, address, feed, title, etag, lastModified, interval, nextPollAt, lastPolledAt, failures, lastError, createdAt, channel
    }

    /// Archives made before channels have none: their follows are read into `home`.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try values.decode(Int64.self, forKey: .id),
            address: try values.decode(String.self, forKey: .address),
            feed: try values.decode(DiscoveredFeed.self, forKey: .feed),
            title: try values.decodeIfPresent(String.self, forKey: .title),
            etag: try values.decodeIfPresent(String.self, forKey: .etag),
            lastModified: try values.decodeIfPresent(String.self, forKey: .lastModified),
            interval: try values.decode(TimeInterval.self, forKey: .interval),
            nextPollAt: try values.decode(Date.self, forKey: .nextPollAt),
            lastPolledAt: try values.decodeIfPresent(Date.self, forKey: .lastPolledAt),
            failures: try values.decode(Int.self, forKey: .failures),
            lastError: try values.decodeIfPresent(String.self, forKey: .lastError),
            createdAt: try values.decode(Date.self, forKey: .createdAt),
            channel: try values.decodeIfPresent(String.self, forKey: .channel) ?? TimelineChannel.home
        )
    }
}

/// An entry in the owner's timeline, with the source it came from.
public struct TimelineItem: Sendable, Equatable, Codable {
    public var id: Int64
    public var followId: Int64
    public var entry: TimelineEntry
    /// The entry's date, or when it was first seen if it has none: the timeline's order.
    public var sortDate: Date
    public var addedAt: Date
    /// Whether the owner has seen it (in the studio, or marked it in a reader app).
    public var isRead: Bool
    /// Taken out of the timeline by the owner (Microsub's `remove`): kept as a
    /// mark, so the next poll of its feed does not bring it back.
    public var isRemoved: Bool

    public init(
        id: Int64,
        followId: Int64,
        entry: TimelineEntry,
        sortDate: Date,
        addedAt: Date,
        isRead: Bool = false,
        isRemoved: Bool = false
    ) {
        self.id = id
        self.followId = followId
        self.entry = entry
        self.sortDate = sortDate
        self.addedAt = addedAt
        self.isRead = isRead
        self.isRemoved = isRemoved
    }
}

/// What a poll of a followed feed found, for the store to record in one transaction.
public enum FollowPollResult: Sendable, Equatable {
    /// Read: entries (those already seen are kept once), the new validators and title.
    case read(entries: [TimelineEntry], etag: String?, lastModified: String?, title: String?, interval: TimeInterval)
    /// 304 or nothing new worth reading.
    case unchanged(interval: TimeInterval)
    case failed(reason: String, interval: TimeInterval)
    /// Entries a WebSub hub pushed: added, the poll's schedule and validators left as they are.
    case pushed(entries: [TimelineEntry])
}

/// The followed sources and the timeline they fill.
public protocol FollowingRepository: Sendable {
    /// Adds a followed address with its first entries, or, for an address
    /// already followed, takes the newly found feed; returns the row. `jobs`
    /// (a fediverse account's `Follow` to send) commit with it.
    func addFollow(_ follow: Follow, entries: [TimelineEntry], jobs: [JobRequest]) async throws -> Follow
    /// Every followed source, by address.
    func follows() async throws -> [Follow]
    func follow(address: String) async throws -> Follow?
    /// Stops following `address` and forgets its entries; false if it was
    /// not followed. `jobs` (a fediverse account's `Undo` to send) commit with it.
    func removeFollow(address: String, jobs: [JobRequest]) async throws -> Bool
    /// A source whose poll is due, taken for `lease` seconds so that no
    /// other process polls it meanwhile; nil when none is due.
    func claimDueFollow(now: Date, lease: TimeInterval) async throws -> Follow?
    /// Takes every source (or the one at `address`) for `lease` seconds
    /// whatever its turn, to be polled now by the caller: "refresh".
    func claimFollows(address: String?, now: Date, lease: TimeInterval) async throws -> [Follow]
    /// Records a poll and its entries in one transaction; returns how many entries were new.
    func recordPoll(followId: Int64, _ result: FollowPollResult, now: Date) async throws -> Int
    /// A page of the timeline, newest first.
    func timeline(_ query: TimelineQuery) async throws -> [TimelineItem]
    /// One item, by its id.
    func timelineItem(id: Int64) async throws -> TimelineItem?
    /// The newest item whose entry is at `url` (what a post of the owner's answers), if any.
    func timelineItem(url: String) async throws -> TimelineItem?
    /// Forgets the items dated before `date` (the owner's retention); returns how many.
    func forgetTimeline(before date: Date) async throws -> Int
    /// Marks these items read or unread.
    func markTimeline(ids: [Int64], read: Bool) async throws
    /// Marks the item `id` read with every item before it in the timeline's
    /// order (older, or as old and stored earlier), within `channel` when given.
    func markTimelineRead(through id: Int64, channel: String?) async throws
    /// Unread items by the channel their source is in (channels with none are absent).
    func timelineUnreadCounts() async throws -> [String: Int]
    /// Takes these items out of the timeline for good (see `TimelineItem.isRemoved`).
    func removeFromTimeline(ids: [Int64]) async throws
    /// Puts the source at `address` in `channel`; false if it is not followed.
    func setFollowChannel(address: String, channel: String) async throws -> Bool
    /// Moves every source in channel `from` to channel `to` (a channel's removal).
    func moveFollows(fromChannel from: String, toChannel to: String) async throws
}

/// Which page of the timeline to read: `limit` items older than the item
/// `before` (nil: from the newest), from one source and of one kind when given.
public struct TimelineQuery: Sendable, Equatable {
    public var limit: Int
    public var before: Int64?
    public var followId: Int64?
    public var kind: TimelineKind?
    /// Only sources in this Microsub channel.
    public var channel: String?

    public init(limit: Int, before: Int64? = nil, followId: Int64? = nil, kind: TimelineKind? = nil, channel: String? = nil) {
        self.limit = limit
        self.before = before
        self.followId = followId
        self.kind = kind
        self.channel = channel
    }
}

extension FollowingRepository {
    /// Stops following a feed, which causes no jobs.
    public func removeFollow(address: String) async throws -> Bool {
        try await removeFollow(address: address, jobs: [])
    }

    /// Follows a feed, which causes no jobs.
    public func addFollow(_ follow: Follow, entries: [TimelineEntry]) async throws -> Follow {
        try await addFollow(follow, entries: entries, jobs: [])
    }

    /// Whether any item is unread.
    public func timelineHasUnread() async throws -> Bool {
        try await !timelineUnreadCounts().isEmpty
    }

    /// The whole timeline, newest first, paged from the item `before`.
    public func timeline(limit: Int, before: Int64?) async throws -> [TimelineItem] {
        try await timeline(TimelineQuery(limit: limit, before: before))
    }
}

extension TimelineItem {
    /// The order of a new entry: its own date if it has one in the past, else when it was seen.
    public static func sortDate(of entry: TimelineEntry, seen: Date) -> Date {
        guard let published = entry.published, published <= seen else { return seen }
        return published
    }
}

/// Followed sources' WebSub push subscriptions. Their secrets are
/// credentials: no snapshot, copy or archive carries them (a site's
/// subscriptions are asked for again where it moves).
public protocol PushSubscriptionRepository: Sendable {
    func pushSubscription(followId: Int64) async throws -> PushSubscription?
    /// The subscription whose callback ends in `token`, with its source.
    func pushSubscription(token: String) async throws -> (subscription: PushSubscription, follow: Follow)?
    /// Sets a source's subscription, replacing the one it had.
    func savePushSubscription(_ subscription: PushSubscription) async throws
}
