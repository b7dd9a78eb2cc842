import Foundation
import Logging
import MicrocastCore
import PostgresNIO

extension PostgresStore: FollowerRepository {
    static let followerColumns = "actor_id, inbox, follow_id, followed_at, state"

    static func follower(_ row: PostgresRandomAccessRow) throws -> Follower {
        Follower(
            actorId: try row.value("actor_id", as: String.self),
            inbox: try row.value("inbox", as: String.self),
            followId: try row.value("follow_id", as: String.self),
            followedAt: try row.value("followed_at", as: Date.self),
            state: Follower.State(rawValue: try row.value("state", as: String.self)) ?? .pending
        )
    }

    public func followers() async throws -> [Follower] {
        try await rows("SELECT \(unescaped: Self.followerColumns) FROM followers ORDER BY followed_at, actor_id").map(Self.follower)
    }

    public func saveFollower(_ follower: Follower, jobs: [JobRequest]) async throws {
        try await transaction { connection in
            try await Self.insertFollower(follower, upsert: true, on: connection, logger: logger)
            try await Self.enqueue(jobs, now: Date(), on: connection, logger: logger)
        }
    }

    static func insertFollower(_ follower: Follower, upsert: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        let conflict =
            upsert ? " ON CONFLICT (actor_id) DO UPDATE SET inbox = EXCLUDED.inbox, follow_id = EXCLUDED.follow_id, state = EXCLUDED.state" : ""
        try await connection.execute(
            """
            INSERT INTO followers (actor_id, inbox, follow_id, followed_at, state)
            VALUES (\(follower.actorId), \(follower.inbox), \(follower.followId), \(follower.followedAt), \(follower.state.rawValue))\(unescaped: conflict)
            """,
            logger: logger
        )
    }

    public func removeFollower(actorId: String) async throws -> Bool {
        try await transaction { connection in
            let gone = try await connection.rows("DELETE FROM followers WHERE actor_id = \(actorId) RETURNING actor_id", logger: logger)
            return !gone.isEmpty
        }
    }
}
