import Foundation
import MicrocastCore

extension Following {
    /// Unverified or refused subscriptions are asked for again after this.
    static let pushRetry: TimeInterval = 3600

    /// The callback a hub pushes `subscription`'s feed to.
    public static func callback(base: String, token: String) -> URL? {
        URL(string: (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/websub/" + token)
    }

    /// Asks the source's WebSub hub to push its feed to this site
    /// (`callbackBase/websub/TOKEN`), with a fresh token and secret; the
    /// subscription is active once the hub has verified it (`verify`).
    /// Nothing happens for a source without a hub.
    public func subscribe(_ follow: Follow, callbackBase: String, now: Date = Date()) async throws {
        var subscription = PushSubscription.request(followId: follow.id, now: now)
        guard let hub = follow.feed.hub, let callback = Self.callback(base: callbackBase, token: subscription.token) else { return }
        // Stored before asking: the hub may verify before its answer to us arrives.
        try await store.savePushSubscription(subscription)
        let form = WebSub.subscribeForm(topic: follow.feed.topic, callback: callback, secret: subscription.secret)
        do {
            let answer = try await follower.fetcher.postForm(hub, fields: form)
            guard (200..<300).contains(answer.status) else {
                throw Failure(description: "the hub answered \(answer.status)")
            }
            logger.info("push subscription asked for", metadata: ["address": "\(follow.address)", "hub": "\(hub)"])
        } catch {
            subscription.state = .failed
            subscription.lastError = (error as? CustomStringConvertible)?.description ?? "\(error)"
            try await store.savePushSubscription(subscription)
            logger.warning("push subscription failed", metadata: ["address": "\(follow.address)", "error": "\(subscription.lastError ?? "")"])
        }
    }

    /// Asks again for every subscription that is missing, unverified or
    /// refused for an hour, or whose lease ends within a day.
    public func subscribeDue(callbackBase: String, now: Date = Date()) async throws {
        for follow in try await store.follows() where follow.feed.hub != nil {
            let current = try await store.pushSubscription(followId: follow.id)
            guard current?.isDue(now: now, retry: Self.pushRetry) ?? true else { continue }
            try await subscribe(follow, callbackBase: callbackBase, now: now)
        }
    }

    /// Answers a hub's verification of the subscription behind `token`:
    /// the challenge to echo back, or nil when this site did not ask for
    /// what the hub says (answered 404, so the hub gives up).
    public func verify(token: String, _ verification: WebSub.Verification, now: Date = Date()) async throws -> String? {
        let found = try await store.pushSubscription(token: token)
        switch verification {
        case .subscribe(let topic, let challenge, let leaseSeconds):
            guard var subscription = found?.subscription, let follow = found?.follow, topic == follow.feed.topic.absoluteString else {
                return nil
            }
            subscription.state = .active
            subscription.leaseUntil = now.addingTimeInterval(leaseSeconds ?? WebSub.leaseAsked)
            subscription.lastError = nil
            try await store.savePushSubscription(subscription)
            logger.info("push subscription verified", metadata: ["address": "\(follow.address)"])
            return challenge
        case .unsubscribe(_, let challenge):
            // Only for a source no longer followed (its subscription went with it).
            return found == nil ? challenge : nil
        case .denied(let topic, let reason):
            guard var subscription = found?.subscription, topic == found?.follow.feed.topic.absoluteString else { return nil }
            subscription.state = .failed
            subscription.lastError = "the hub refused the subscription" + (reason.map { ": \($0)" } ?? "")
            try await store.savePushSubscription(subscription)
            return ""
        }
    }

    /// What became of a push.
    public enum PushOutcome: Equatable, Sendable {
        /// No subscription has this callback (the source was unfollowed): the hub may stop.
        case unknown
        /// Not signed with the subscription's secret: acknowledged and ignored, as WebSub asks.
        case ignored
        /// Read: how many entries were new.
        case taken(added: Int)
    }

    /// Whether a push to `token` could be taken, before its body is read.
    public func expectsPush(token: String) async throws -> Bool {
        try await store.pushSubscription(token: token) != nil
    }

    /// Takes a hub's push: the feed it carries is read as a poll would read
    /// it, and its new entries join the timeline at once.
    public func receivePush(token: String, body: Data, signature: String?, now: Date = Date()) async throws -> PushOutcome {
        guard let (subscription, follow) = try await store.pushSubscription(token: token) else { return .unknown }
        guard WebSub.isSigned(body, header: signature, secret: subscription.secret) else {
            logger.warning("push ignored: not signed by the hub", metadata: ["address": "\(follow.address)"])
            return .ignored
        }
        let feed: FollowedFeed
        do {
            feed = try FeedEntriesReader(feedURL: follow.feed.url).read(body, format: follow.feed.format)
        } catch {
            logger.warning("push ignored: unreadable", metadata: ["address": "\(follow.address)", "error": "\(error)"])
            return .ignored
        }
        let added = try await store.recordPoll(followId: follow.id, .pushed(entries: feed.entries), now: now)
        logger.info("pushed", metadata: ["address": "\(follow.address)", "new": "\(added)"])
        return .taken(added: added)
    }
}
