import Foundation
import Logging
import MicrocastCore
import Synchronization

/// The owner's reading list: following an address, unfollowing it, and
/// polling what is due. Each poll's outcome and its new entries are stored
/// in one transaction (`recordPoll`), and a poll is taken with a lease, so
/// two processes never poll one source at once.
public struct Following: Sendable {
    let store: any DataStore
    let follower: FeedFollower
    let logger: Logger
    /// How long a taken poll keeps others away: longer than any fetch.
    static let lease: TimeInterval = 5 * 60

    package init(store: any DataStore, follower: FeedFollower, logger: Logger) {
        self.store = store
        self.follower = follower
        self.logger = logger
    }

    /// Why an address was not followed.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// An address as typed: a bare host gets `https://`; only http(s) is followed.
    public static func address(_ text: String) throws(Failure) -> URL {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let withScheme = trimmed.contains("://") ? trimmed : "https://" + trimmed
        guard let renderable = LinkPolicy.renderable(withScheme), let url = URL(string: renderable) else {
            throw Failure(description: "\(trimmed) is not a web address (http or https)")
        }
        return url
    }

    var accounts: FediverseAccounts { FediverseAccounts(fetcher: follower.fetcher) }

    /// How long a fediverse account waits between looks: its posts come to
    /// the inbox, so a poll only keeps it out of the round.
    static let accountInterval: TimeInterval = 30 * 86_400

    /// Follows `text` (a page, a feed, or a fediverse account: `@name@host`
    /// or its profile URL): finds its feed, reads it, and stores the source
    /// with its entries; for an account, stores it with our `Follow` to send,
    /// in one transaction. Following an address again finds its feed again.
    public func follow(_ text: String, mayBeAccount: Bool = true, now: Date = Date()) async throws -> (follow: Follow, entries: Int) {
        if mayBeAccount, let handle = FediverseAccounts.handle(text) {
            return (try await follow(account: try await accounts.account(handle: handle), now: now), 0)
        }
        let url = try Self.address(text)
        // A profile URL answers as an actor when asked; a site's page does not, and is read as a feed below.
        if mayBeAccount, text.contains("://"), let account = try? await accounts.account(at: url) {
            return (try await follow(account: account, now: now), 0)
        }
        let found: (feed: DiscoveredFeed, read: FollowedFeed, validators: FeedFollower.Validators)
        do {
            found = try await follower.discover(url)
        } catch  where !text.contains("://") {
            // https was assumed: a site without it fails in its TLS library's words, so say what to try.
            let reason = (error as? CustomStringConvertible)?.description ?? "\(error)"
            let typed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(
                description: "\(url.absoluteString) could not be read over https (\(reason)); if the site has no https, follow http://\(typed)"
            )
        }
        let interval = PollSchedule.interval(published: found.read.entries.compactMap(\.published), now: now)
        let entries = Self.kept(found.read.entries, cutoff: try await retention().cutoff(now: now), now: now)
        let follow = Follow(
            address: url.absoluteString,
            feed: found.feed,
            title: found.read.title,
            etag: found.validators.etag,
            lastModified: found.validators.lastModified,
            interval: interval,
            nextPollAt: now.addingTimeInterval(interval),
            lastPolledAt: now,
            createdAt: now
        )
        let stored = try await store.addFollow(follow, entries: entries)
        logger.info("followed", metadata: ["address": "\(stored.address)", "feed": "\(stored.feed.url)", "format": "\(stored.feed.format.rawValue)"])
        return (stored, entries.count)
    }

    /// What following `url` would bring, read and not stored (a reader app's preview).
    public func preview(_ url: URL) async throws -> [TimelineEntry] {
        try await follower.discover(url).read.entries
    }

    /// A fediverse account followed: nothing to read now (its posts come to
    /// the inbox once it accepts); our `Follow` is sent by a delivery job
    /// committed with the row.
    func follow(account: FediverseAccounts.Account, now: Date) async throws -> Follow {
        guard let actor = URL(string: account.id) else { throw Failure(description: "\(account.id) is not an address") }
        let follow = Follow(
            address: account.id,
            feed: DiscoveredFeed(url: actor, format: .activityPub),
            title: account.name,
            interval: Self.accountInterval,
            nextPollAt: now.addingTimeInterval(Self.accountInterval),
            createdAt: now
        )
        let sendFollow = JobRequest(kind: .deliver, subject: .delivery(inbox: account.inbox, activity: "follow \(account.id)"))
        let stored = try await store.addFollow(follow, entries: [], jobs: [sendFollow])
        logger.info("followed", metadata: ["address": "\(stored.address)", "format": "activitypub", "inbox": "\(account.inbox)"])
        return stored
    }

    /// Stops following `text`; false if it was not followed. A fediverse
    /// account is sent our `Undo` of the follow, committed with its removal,
    /// so its server stops delivering.
    public func unfollow(_ text: String) async throws -> Bool {
        let address =
            if let handle = FediverseAccounts.handle(text) {
                try await accounts.account(handle: handle).id
            } else {
                try Self.address(text).absoluteString
            }
        guard let follow = try await store.follow(address: address) else { return false }
        var jobs: [JobRequest] = []
        if follow.feed.format == .activityPub {
            // Its inbox as it is now; an account that cannot be reached is forgotten all the same.
            if let account = try? await accounts.account(at: follow.feed.url) {
                jobs.append(JobRequest(kind: .deliver, subject: .delivery(inbox: account.inbox, activity: "unfollow \(address)")))
            } else {
                logger.warning("unfollowed an account that could not be reached to tell", metadata: ["address": "\(address)"])
            }
        }
        return try await store.removeFollow(address: address, jobs: jobs)
    }

    /// Polls every source (or the one named) now, whatever its turn: each is
    /// taken with a lease first, so the server's own poller leaves it alone
    /// meanwhile. Returns the sources polled and the entries they added.
    public func refresh(_ text: String?, now: @escaping @Sendable () -> Date = { Date() }) async throws -> (polled: Int, added: Int) {
        let taken = try await store.claimFollows(address: try text.map { try Self.address($0).absoluteString }, now: now(), lease: Self.lease)
        let queue = Mutex(taken[...])
        return try await polling {
            guard let follow = queue.withLock({ $0.popFirst() }) else { return nil }
            return try await poll(follow, now: now)
        }
    }
    /// Makes every source's turn come now, for the poller to take (the
    /// studio's "refresh all", which must not wait for them); returns how many.
    public func makeAllDue(now: Date = Date()) async throws -> Int {
        // Taken with a lease of nothing: each is due at once, and the poller's lease takes it from there.
        try await store.claimFollows(address: nil, now: now, lease: 0).count
    }

    /// Polls every source whose turn has come; returns the sources polled and the entries they added.
    @discardableResult
    public func pollDue(now: @escaping @Sendable () -> Date = { Date() }) async throws -> (polled: Int, added: Int) {
        try await polling {
            guard let follow = try await store.claimDueFollow(now: now(), lease: Self.lease) else { return nil }
            return try await poll(follow, now: now)
        }
    }

    /// Sources polled at once: a slow site (a fetch may take its whole 15 s)
    /// holds up one of these, not the round; a browser opens as many to one host.
    static let pollsAtOnce = 6

    /// Runs `next` on `pollsAtOnce` loops until each says there is no more
    /// (nil); returns how many polls ran and the entries they added.
    func polling(_ next: @escaping @Sendable () async throws -> Int?) async throws -> (polled: Int, added: Int) {
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<Self.pollsAtOnce {
                group.addTask {
                    var polled = 0
                    var added = 0
                    while let new = try await next() {
                        polled += 1
                        added += new
                    }
                    return (polled, added)
                }
            }
            return try await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
    }

    /// One poll, its outcome recorded whatever it is.
    func poll(_ follow: Follow, now: @Sendable () -> Date) async throws -> Int {
        let result: FollowPollResult
        if follow.feed.format == .activityPub {
            // Its posts come to the inbox; there is nothing to poll.
            return try await store.recordPoll(followId: follow.id, .unchanged(interval: Self.accountInterval), now: now())
        }
        do {
            let validators = FeedFollower.Validators(etag: follow.etag, lastModified: follow.lastModified)
            switch try await follower.poll(follow.feed, validators: validators) {
            case .unchanged:
                result = .unchanged(interval: PollSchedule.unchanged(previous: follow.interval))
            case .read(let feed, let answered):
                let interval = PollSchedule.interval(published: feed.entries.compactMap(\.published), now: now())
                let entries = Self.kept(feed.entries, cutoff: try await retention().cutoff(now: now()), now: now())
                result = .read(entries: entries, etag: answered.etag, lastModified: answered.lastModified, title: feed.title, interval: interval)
            }
        } catch {
            let reason = (error as? CustomStringConvertible)?.description ?? "\(error)"
            result = .failed(reason: reason, interval: PollSchedule.afterFailure(count: follow.failures + 1))
        }
        let added = try await store.recordPoll(followId: follow.id, result, now: now())
        logger.info(
            "polled",
            metadata: ["address": "\(follow.address)", "outcome": "\(Self.outcome(result))", "new": "\(added)"]
        )
        return added
    }

    /// The owner's retention for the timeline.
    func retention() async throws -> TimelineRetention { TimelineRetention(settings: try await store.settings()) }

    /// Forgets the items older than the owner's retention; returns how many.
    @discardableResult
    public func forgetOld(now: Date = Date()) async throws -> Int {
        guard let cutoff = try await retention().cutoff(now: now) else { return 0 }
        let forgotten = try await store.forgetTimeline(before: cutoff)
        if forgotten > 0 { logger.info("timeline items forgotten", metadata: ["count": "\(forgotten)", "before": "\(cutoff)"]) }
        return forgotten
    }

    /// The entries the timeline keeps: an entry already past the retention
    /// is not taken in, or every read of its feed would add it again.
    static func kept(_ entries: [TimelineEntry], cutoff: Date?, now: Date) -> [TimelineEntry] {
        guard let cutoff else { return entries }
        return entries.filter { TimelineItem.sortDate(of: $0, seen: now) >= cutoff }
    }

    static func outcome(_ result: FollowPollResult) -> String {
        switch result {
        case .read: "read"
        case .unchanged: "unchanged"
        case .failed(let reason, _): "failed: \(reason)"
        case .pushed: "pushed"
        }
    }
}
