import Foundation
import Logging
import MicrocastCore
import PostgresNIO

/// The queue for many workers on many machines: a claim locks the row it
/// takes and skips rows other claims hold (`FOR UPDATE SKIP LOCKED`), so
/// workers never wait on each other or take the same job. A worker on another
/// machine cannot be checked by process id: its job is taken again when its
/// lease runs out.
extension PostgresStore: JobQueue {
    static let jobColumns =
        "id, kind, subject, state, attempts, max_attempts, last_error, lease_owner, run_after, lease_until, created_at, updated_at"

    static func job(_ row: PostgresRandomAccessRow) throws -> Job {
        let kind: JobKind = try row.value("kind")
        return Job(
            id: try row.value("id"),
            kind: kind,
            subject: JobSubject(kind.subjectKind, key: try row.value("subject")),
            state: try row.value("state"),
            attempts: Int(try row.value("attempts", as: Int64.self)),
            maxAttempts: Int(try row.value("max_attempts", as: Int64.self)),
            lastError: try row.value("last_error"),
            worker: try row.value("lease_owner")
        )
    }

    public func runnable(groups: [[JobKind]], now: Date) async throws -> [Bool] {
        guard !groups.isEmpty else { return [] }
        // One statement: an EXISTS per group, each an index lookup.
        var binds = PostgresBindings()
        binds.append(now)
        binds.append(Job.State.queued.rawValue)
        binds.append(Job.State.running.rawValue)
        var columns: [String] = []
        for (index, kinds) in groups.enumerated() {
            binds.append(kinds.map(\.rawValue))
            columns.append(
                """
                EXISTS (SELECT 1 FROM jobs WHERE kind = ANY($\(index + 4))
                  AND ((state = $2 AND run_after <= $1) OR (state = $3 AND lease_until < $1))) AS g\(index)
                """
            )
        }
        let query = PostgresQuery(unsafeSQL: "SELECT " + columns.joined(separator: ", "), binds: binds)
        guard let row = try await rows(query).first else { return groups.map { _ in false } }
        return try groups.indices.map { try row.value("g\($0)", as: Bool.self) }
    }

    public func claim(worker: String, lease: TimeInterval, now: Date, kinds: [JobKind]) async throws -> Job? {
        let until = now.addingTimeInterval(lease)
        let kindNames = kinds.map(\.rawValue)
        let mediaKinds = JobKind.working(on: .media).map(\.rawValue)
        return try await transaction { connection in
            // A job whose worker died on its last attempt ends failed, with its
            // media, instead of crashing the next worker too.
            let stopped = try await connection.rows(
                """
                UPDATE jobs SET state = \(Job.State.failed), lease_until = NULL, updated_at = \(now),
                  last_error = 'the worker stopped while processing this file ' || attempts || ' times'
                WHERE id IN (
                  SELECT id FROM jobs WHERE state = \(Job.State.running) AND lease_until < \(now) AND attempts >= max_attempts
                    AND kind = ANY(\(kindNames))
                  FOR UPDATE SKIP LOCKED)
                RETURNING kind, subject, last_error
                """,
                logger: logger
            )
            try await Self.failMedia(of: stopped, mediaKinds: mediaKinds, connection: connection, logger: logger)
            // One job at a time per kind and subject (a change queued while its
            // copy is being posted waits, so the two never both post). Two
            // claims in flight cannot see each other's uncommitted claim, so
            // claims of copy jobs take turns.
            if kinds.contains(where: { $0.subjectKind == .copy }) {
                try await connection.execute("SELECT pg_advisory_xact_lock(\(Schema.copyClaimLockKey))", logger: logger)
            }
            // The claim must walk `jobs_ready` in order and stop at the first
            // job it may take. Left to itself, the planner reads every ready
            // job, checks each against the running ones and sorts them: on a
            // table filled faster than autovacuum analyses it (a backlog of
            // thousands) that was 10 ms a claim, growing with the queue
            // (EXPLAIN ANALYZE, 2,000 jobs: 11.7 ms against 0.2 ms walking
            // the index). These settings hold for this transaction only.
            try await connection.execute(
                "SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true)",
                logger: logger
            )
            // An abandoned job first (there are few, and theirs is the earlier
            // turn), as on SQLite; else the earliest ready job.
            for (state, due) in [(Job.State.running, "lease_until <"), (Job.State.queued, "run_after <=")] {
                let claimed = try await connection.rows(
                    """
                    UPDATE jobs SET state = \(Job.State.running), attempts = attempts + 1, lease_owner = \(worker), lease_until = \(until), updated_at = \(now)
                    WHERE id = (
                      SELECT id FROM jobs
                      WHERE state = \(state) AND \(unescaped: due) \(now)
                        AND attempts < max_attempts AND kind = ANY(\(kindNames))
                        AND NOT EXISTS (SELECT 1 FROM jobs AS other WHERE other.kind = jobs.kind AND other.subject = jobs.subject
                          AND other.state = \(Job.State.running) AND other.id <> jobs.id AND other.lease_until >= \(now))
                      ORDER BY run_after, id LIMIT 1
                      FOR UPDATE SKIP LOCKED)
                    RETURNING \(unescaped: Self.jobColumns)
                    """,
                    logger: logger
                ).first.map(Self.job)
                if let claimed { return claimed }
            }
            return nil
        }
    }

    public func renewLease(jobId: Int64, worker: String, until: Date) async throws {
        try await execute("UPDATE jobs SET lease_until = \(until) WHERE id = \(jobId) AND lease_owner = \(worker) AND state = \(Job.State.running)")
    }

    public func complete(jobId: Int64, result: JobResult, now: Date) async throws {
        try await transaction { connection in
            switch result {
            case .nothing: break
            case .mediaProcessed(let mediaId, let renditions, let placeholder):
                try await Self.finish(mediaId: mediaId, renditions: renditions, placeholder: placeholder, on: connection, logger: logger)
            case .mentionVerified(let mention):
                try await connection.execute(try Self.update(mention), logger: logger)
            case .copied(let copy, let next):
                try await Self.record(copy, on: connection, logger: logger)
                try await Self.enqueue(next, now: now, on: connection, logger: logger)
            case .backfed(let responses, let next):
                try await Self.record(responses: responses, now: now, on: connection, logger: logger)
                if let next { try await Self.enqueue([next], now: now, on: connection, logger: logger) }
            case .enqueued(let requests):
                try await Self.enqueue(requests, now: now, on: connection, logger: logger)
            case .transcribed(let transcript, let renditions):
                try await Self.record(transcript, renditions: renditions, replacingEdits: false, on: connection, logger: logger)
            case .authorPhoto(let remote, let file):
                try await connection.execute(
                    "UPDATE mentions SET author_photo_file = \(file) WHERE author_remote_photo = \(remote) AND author_photo_file = ''",
                    logger: logger
                )
            }
            // The lease owner stays, so the job's row says which worker did it.
            try await connection.execute(
                "UPDATE jobs SET state = \(Job.State.done), lease_until = NULL, updated_at = \(now) WHERE id = \(jobId)",
                logger: logger
            )
        }
    }

    public func fail(jobId: Int64, reason: String, retryAt: Date?, now: Date) async throws {
        try await transaction { connection in
            let ended = try await connection.rows(
                """
                UPDATE jobs SET last_error = \(reason), lease_until = NULL, updated_at = \(now),
                  state = CASE WHEN \(retryAt)::timestamptz IS NOT NULL AND attempts < max_attempts THEN \(Job.State.queued) ELSE \(Job.State.failed) END,
                  run_after = CASE WHEN \(retryAt)::timestamptz IS NOT NULL AND attempts < max_attempts THEN \(retryAt) ELSE run_after END
                WHERE id = \(jobId)
                RETURNING kind, subject, last_error, state
                """,
                logger: logger
            )
            let failed = try ended.filter { try $0.value("state", as: String.self) == Job.State.failed.rawValue }
            try await Self.failMedia(of: failed, mediaKinds: JobKind.working(on: .media).map(\.rawValue), connection: connection, logger: logger)
        }
    }

    public func requeue(jobId: Int64, reason: String, runAfter: Date, now: Date) async throws {
        try await execute(
            """
            UPDATE jobs SET state = \(Job.State.queued), attempts = greatest(0, attempts - 1), lease_owner = NULL, lease_until = NULL,
              run_after = \(runAfter), updated_at = \(now), last_error = \(reason)
            WHERE id = \(jobId) AND state = \(Job.State.running)
            """
        )
    }

    public func job(id: Int64) async throws -> Job? {
        try await rows("SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE id = \(id)").first.map(Self.job)
    }

    /// Media whose job's worker stopped on its last attempt fail with it; other subjects have nothing to mark.
    static func failMedia(
        of stopped: [PostgresRandomAccessRow],
        mediaKinds: [String],
        connection: PostgresConnection,
        logger: Logger
    ) async throws {
        for row in stopped where mediaKinds.contains(try row.value("kind", as: String.self)) {
            let mediaId: String = try row.value("subject")
            let reason: String = try row.value("last_error")
            try await connection.execute(
                "UPDATE media SET state = \(MediaItem.State.failed), failure = \(reason) WHERE id = \(mediaId)",
                logger: logger
            )
        }
    }

    public func enqueue(_ request: JobRequest, now: Date) async throws {
        try await transaction { connection in try await Self.enqueue([request], now: now, on: connection, logger: logger) }
    }

    /// Queues jobs inside the caller's transaction (the outbox: a change and
    /// the jobs it causes commit together), each unless the same kind of job
    /// for the same subject is already waiting. The trigger's `NOTIFY` is sent at commit.
    static func enqueue(_ requests: [JobRequest], now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        for request in requests {
            try await connection.execute(
                """
                INSERT INTO jobs (kind, subject, state, attempts, max_attempts, run_after, created_at, updated_at)
                SELECT \(request.kind), \(request.subject.key), \(Job.State.queued), 0, \(Int64(request.maxAttempts)),
                  \(max(now, request.runAfter ?? now)), \(now), \(now)
                WHERE NOT EXISTS (
                  SELECT 1 FROM jobs WHERE kind = \(request.kind) AND subject = \(request.subject.key) AND state = \(Job.State.queued))
                """,
                logger: logger
            )
        }
    }

    public func jobs(subject: JobSubject) async throws -> [Job] {
        let kinds = JobKind.working(on: subject.kind).map(\.rawValue)
        return try await rows(
            "SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE subject = \(subject.key) AND kind = ANY(\(kinds)) ORDER BY id DESC"
        ).map(Self.job)
    }

    public func untried(kinds: [JobKind]) async throws -> Int {
        let count = try await rows(
            """
            SELECT count(*) AS n FROM jobs WHERE kind = ANY(\(kinds.map(\.rawValue)))
              AND (state = \(Job.State.running) OR (state = \(Job.State.queued) AND attempts = 0))
            """
        ).first?.value("n", as: Int64.self)
        return Int(count ?? 0)
    }

    public func census() async throws -> [JobCensus] {
        try await rows("SELECT kind, state, count(*) AS n, min(created_at) AS oldest FROM jobs GROUP BY kind, state").compactMap { row in
            guard let kind = JobKind(rawValue: try row.value("kind", as: String.self)),
                let state = Job.State(rawValue: try row.value("state", as: String.self))
            else { return nil }
            return JobCensus(kind: kind, state: state, count: Int(try row.value("n", as: Int64.self)), oldest: try row.value("oldest"))
        }
    }

    public func leaseOwners() async throws -> [String] {
        try await rows("SELECT DISTINCT lease_owner FROM jobs WHERE state = \(Job.State.running) AND lease_owner IS NOT NULL")
            .map { try $0.value("lease_owner") }
    }

    public func releaseLeases(ownedBy worker: String, now: Date) async throws {
        try await transaction { connection in
            let stopped = try await connection.rows(
                """
                UPDATE jobs SET state = \(Job.State.failed), lease_until = NULL, updated_at = \(now),
                  last_error = 'the worker stopped while processing this file ' || attempts || ' times'
                WHERE lease_owner = \(worker) AND state = \(Job.State.running) AND attempts >= max_attempts
                RETURNING kind, subject, last_error
                """,
                logger: logger
            )
            try await Self.failMedia(of: stopped, mediaKinds: JobKind.working(on: .media).map(\.rawValue), connection: connection, logger: logger)
            try await connection.execute(
                """
                UPDATE jobs SET state = \(Job.State.queued), lease_owner = NULL, lease_until = NULL, run_after = \(now), updated_at = \(now)
                WHERE lease_owner = \(worker) AND state = \(Job.State.running)
                """,
                logger: logger
            )
        }
    }

    public func retry(mediaId: String, kind: JobKind, now: Date) async throws {
        let request = JobRequest(kind: kind, subject: .media(mediaId))
        try await transaction { connection in
            try await connection.execute(
                """
                INSERT INTO jobs (kind, subject, state, attempts, max_attempts, run_after, created_at, updated_at)
                VALUES (\(kind), \(mediaId), \(Job.State.queued), 0, \(Int64(request.maxAttempts)), \(now), \(now), \(now))
                """,
                logger: logger
            )
            try await connection.execute(
                "UPDATE media SET state = \(MediaItem.State.processing), failure = NULL WHERE id = \(mediaId)",
                logger: logger
            )
        }
    }
}
