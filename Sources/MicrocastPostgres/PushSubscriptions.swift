import Foundation
import Logging
import MicrocastCore
import PostgresNIO

extension PushSubscription.State: StoredAsText {}

extension PostgresStore: PushSubscriptionRepository {
    static func pushSubscription(_ row: PostgresRandomAccessRow) throws -> PushSubscription {
        PushSubscription(
            followId: try row.value("follow_id", as: Int64.self),
            token: try row.value("token", as: String.self),
            secret: try row.value("secret", as: String.self),
            state: try row.value("state", as: PushSubscription.State.self),
            leaseUntil: try row.value("lease_until", as: Date?.self),
            requestedAt: try row.value("requested_at", as: Date.self),
            lastError: try row.value("last_error", as: String?.self)
        )
    }

    public func pushSubscription(followId: Int64) async throws -> PushSubscription? {
        try await rows("SELECT * FROM push_subscriptions WHERE follow_id = \(followId)").first.map(Self.pushSubscription)
    }

    public func pushSubscription(token: String) async throws -> (subscription: PushSubscription, follow: Follow)? {
        guard let row = try await rows("SELECT * FROM push_subscriptions WHERE token = \(token)").first else { return nil }
        let subscription = try Self.pushSubscription(row)
        let follows = try await rows("SELECT \(unescaped: Self.followColumns) FROM follows WHERE id = \(subscription.followId)")
        return try follows.first.map { (subscription, try Self.follow($0)) }
    }

    public func savePushSubscription(_ subscription: PushSubscription) async throws {
        // A source unfollowed meanwhile keeps no subscription: the insert selects nothing.
        try await execute(
            """
            INSERT INTO push_subscriptions (follow_id, token, secret, state, lease_until, requested_at, last_error)
            SELECT id, \(subscription.token), \(subscription.secret), \(subscription.state), \(subscription.leaseUntil),
              \(subscription.requestedAt), \(subscription.lastError)
            FROM follows WHERE id = \(subscription.followId)
            ON CONFLICT (follow_id) DO UPDATE SET token = EXCLUDED.token, secret = EXCLUDED.secret, state = EXCLUDED.state,
              lease_until = EXCLUDED.lease_until, requested_at = EXCLUDED.requested_at, last_error = EXCLUDED.last_error
            """
        )
    }
}
