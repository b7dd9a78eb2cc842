import Foundation
import GRDB
import MicrocastCore

extension SQLiteStore: JobQueue {
    public func claim(worker: String, lease: TimeInterval, now: Date) async throws -> Job? {
        try await pool.write { db in
            // A job whose worker died mid-run has an expired lease; one that
            // has used up its attempts ends here instead of crashing the next worker too.
            let abandoned = Column("state") == Job.State.running.rawValue && Column("leaseUntil") < now
            try Self.giveUpStopped(JobRow.filter(abandoned), db: db, now: now)

            let ready = Column("state") == Job.State.queued.rawValue && Column("runAfter") <= now
            guard var row = try JobRow.filter(ready || abandoned).filter(Column("attempts") < Column("maxAttempts"))
                .order(Column("runAfter"), Column("id")).fetchOne(db)
            else { return nil }
            row.state = Job.State.running.rawValue
            row.attempts += 1
            row.leaseOwner = worker
            row.leaseUntil = now.addingTimeInterval(lease)
            row.updatedAt = now
            try row.update(db)
            return row.job
        }
    }

    /// Fails, with their media, the jobs of `request` whose worker stopped
    /// during every attempt they had: a file that crashes the process is
    /// not tried again, however often the process restarts.
    static func giveUpStopped(_ request: QueryInterfaceRequest<JobRow>, db: Database, now: Date) throws {
        for var row in try request.filter(Column("attempts") >= Column("maxAttempts")).fetchAll(db) {
            let reason = "the worker stopped while processing this file \(row.attempts) times"
            row.state = Job.State.failed.rawValue
            row.lastError = reason
            row.leaseOwner = nil
            row.leaseUntil = nil
            row.updatedAt = now
            try row.update(db)
            _ = try MediaRow.filter(key: row.mediaId).updateAll(
                db, Column("state").set(to: MediaItem.State.failed.rawValue), Column("failure").set(to: reason))
        }
    }

    public func renewLease(jobId: Int64, worker: String, until: Date) async throws {
        try await pool.write { db in
            _ = try JobRow
                .filter(key: jobId)
                .filter(Column("leaseOwner") == worker && Column("state") == Job.State.running.rawValue)
                .updateAll(db, Column("leaseUntil").set(to: until))
        }
    }

    public func complete(jobId: Int64, now: Date) async throws {
        try await pool.write { db in
            _ = try JobRow.filter(key: jobId).updateAll(
                db, Column("state").set(to: Job.State.done.rawValue), Column("leaseOwner").set(to: nil),
                Column("leaseUntil").set(to: nil), Column("updatedAt").set(to: now))
        }
    }

    public func fail(jobId: Int64, reason: String, retryAt: Date?, now: Date) async throws {
        try await pool.write { db in
            guard var row = try JobRow.fetchOne(db, key: jobId) else { return }
            row.lastError = reason
            row.leaseOwner = nil
            row.leaseUntil = nil
            row.updatedAt = now
            if let retryAt, row.attempts < row.maxAttempts {
                row.state = Job.State.queued.rawValue
                row.runAfter = retryAt
            } else {
                row.state = Job.State.failed.rawValue
            }
            try row.update(db)
        }
    }

    public func job(id: Int64) async throws -> Job? {
        try await pool.read { db in try JobRow.fetchOne(db, key: id)?.job }
    }

    public func leaseOwners() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT leaseOwner FROM jobs WHERE state = ? AND leaseOwner IS NOT NULL",
                arguments: [Job.State.running.rawValue])
        }
    }

    public func releaseLeases(ownedBy worker: String, now: Date) async throws {
        try await pool.write { db in
            let owned = JobRow.filter(Column("leaseOwner") == worker && Column("state") == Job.State.running.rawValue)
            try Self.giveUpStopped(owned, db: db, now: now)
            _ = try owned
                .updateAll(
                    db, Column("state").set(to: Job.State.queued.rawValue), Column("leaseOwner").set(to: nil),
                    Column("leaseUntil").set(to: nil), Column("runAfter").set(to: now), Column("updatedAt").set(to: now))
        }
    }
}
