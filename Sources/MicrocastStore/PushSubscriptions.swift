import Foundation
import GRDB
import MicrocastCore

extension PushSubscription.State: DatabaseValueConvertible {}

/// A row of `pushSubscriptions`.
struct PushSubscriptionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "pushSubscriptions"
    var followId: Int64
    var token: String
    var secret: String
    var state: PushSubscription.State
    var leaseUntil: Date?
    var requestedAt: Date
    var lastError: String?

    init(_ subscription: PushSubscription) {
        followId = subscription.followId
        token = subscription.token
        secret = subscription.secret
        state = subscription.state
        leaseUntil = subscription.leaseUntil
        requestedAt = subscription.requestedAt
        lastError = subscription.lastError
    }

    var subscription: PushSubscription {
        PushSubscription(
            followId: followId,
            token: token,
            secret: secret,
            state: state,
            leaseUntil: leaseUntil,
            requestedAt: requestedAt,
            lastError: lastError
        )
    }
}

extension SQLiteStore: PushSubscriptionRepository {
    public func pushSubscription(followId: Int64) async throws -> PushSubscription? {
        try await pool.read { db in try PushSubscriptionRecord.fetchOne(db, key: followId)?.subscription }
    }

    public func pushSubscription(token: String) async throws -> (subscription: PushSubscription, follow: Follow)? {
        try await pool.read { db in
            guard let record = try PushSubscriptionRecord.filter(Column("token") == token).fetchOne(db),
                let follow = try FollowRecord.fetchOne(db, key: record.followId)
            else { return nil }
            return (record.subscription, try follow.follow())
        }
    }

    public func savePushSubscription(_ subscription: PushSubscription) async throws {
        try await pool.write { db in
            // A source unfollowed meanwhile keeps no subscription.
            guard try FollowRecord.exists(db, key: subscription.followId) else { return }
            try PushSubscriptionRecord(subscription).save(db, onConflict: .replace)
        }
    }
}
