import Foundation
import GRDB
import MicrocastCore

extension Follower.State: DatabaseValueConvertible {}

/// A row of `followers`.
struct FollowerRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "followers"
    var actorId: String
    var inbox: String
    var followId: String
    var followedAt: Date
    var state: Follower.State

    init(_ follower: Follower) {
        actorId = follower.actorId
        inbox = follower.inbox
        followId = follower.followId
        followedAt = follower.followedAt
        state = follower.state
    }

    var follower: Follower { Follower(actorId: actorId, inbox: inbox, followId: followId, followedAt: followedAt, state: state) }
}

extension SQLiteStore: FollowerRepository {
    public func followers() async throws -> [Follower] {
        try await pool.read { db in try FollowerRecord.order(Column("followedAt"), Column("actorId")).fetchAll(db).map(\.follower) }
    }

    public func saveFollower(_ follower: Follower, jobs: [JobRequest]) async throws {
        try await pool.write { db in
            try FollowerRecord(follower).upsert(db)
            try Self.enqueue(jobs, now: Date(), db)
        }
        if !jobs.isEmpty { wakeUps.wakeAll() }
    }

    public func removeFollower(actorId: String) async throws -> Bool {
        try await pool.write { db in try FollowerRecord.deleteOne(db, key: actorId) }
    }
}
