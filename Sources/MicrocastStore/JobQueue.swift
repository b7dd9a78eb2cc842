import Foundation
import GRDB
import MicrocastCore

/// A row of `jobs`: one piece of background work (a media item's processing,
/// a Webmention's verification or sending), with its lease and attempts.
struct JobRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "jobs"
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let kind = Column(CodingKeys.kind)
        static let subject = Column(CodingKeys.subject)
        static let state = Column(CodingKeys.state)
        static let attempts = Column(CodingKeys.attempts)
        static let maxAttempts = Column(CodingKeys.maxAttempts)
        static let runAfter = Column(CodingKeys.runAfter)
        static let leaseOwner = Column(CodingKeys.leaseOwner)
        static let leaseUntil = Column(CodingKeys.leaseUntil)
        static let updatedAt = Column(CodingKeys.updatedAt)
    }

    var id: Int64?
    var kind: JobKind
    var subject: String
    var state: Job.State
    var attempts: Int
    var maxAttempts: Int
    var runAfter: Date
    var leaseOwner: String?
    var leaseUntil: Date?
    var lastError: String?
    var createdAt: Date
    var updatedAt: Date

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    init(_ request: JobRequest, now: Date) {
        kind = request.kind
        subject = request.subject.key
        state = .queued
        attempts = 0
        maxAttempts = request.maxAttempts
        runAfter = now
        createdAt = now
        updatedAt = now
    }

    var job: Job {
        Job(
            id: id ?? 0,
            kind: kind,
            subject: JobSubject(kind.subjectKind, key: subject),
            state: state,
            attempts: attempts,
            maxAttempts: maxAttempts,
            lastError: lastError,
            worker: leaseOwner
        )
    }
}

extension SQLiteStore: JobQueue {
    public func runnable(groups: [[JobKind]], now: Date) async throws -> [Bool] {
        try await pool.read { db in try groups.map { try Self.anyRunnable(kinds: $0, now: now, db) } }
    }

    public func claim(worker: String, lease: TimeInterval, now: Date, kinds: [JobKind]) async throws -> Job? {
        // A worker woken for another pool's job, or too late for one, finds
        // nothing: looking first under a read (no lock, beside the writer)
        // keeps it from taking the one write lock the CLI, other processes
        // and requests wait for.
        guard try await runnable(groups: [kinds], now: now).first == true else { return nil }
        return try await pool.write { db in
            let ofKinds = kinds.map(\.rawValue).contains(JobRecord.Columns.kind)
            // A job whose worker died mid-run has an expired lease; one that
            // has used up its attempts ends here instead of crashing the next worker too.
            let abandoned = JobRecord.Columns.state == Job.State.running && JobRecord.Columns.leaseUntil < now
            try Self.giveUpStopped(JobRecord.filter(abandoned && ofKinds), db: db, now: now)

            // An abandoned job first (there are few, and theirs is the earlier
            // turn); else the earliest ready job of each kind, each found by one
            // ordered walk of `jobsClaim`, and the earliest of those.
            var candidates = try Self.claimable(JobRecord.filter(abandoned && ofKinds), now: now, db).map { [$0] } ?? []
            if candidates.isEmpty {
                for kind in kinds {
                    let ready =
                        JobRecord.Columns.state == Job.State.queued && JobRecord.Columns.kind == kind.rawValue
                        && JobRecord.Columns.runAfter <= now
                    if let record = try Self.claimable(JobRecord.filter(ready), now: now, db) { candidates.append(record) }
                }
            }
            guard var record = candidates.min(by: { ($0.runAfter, $0.id ?? 0) < ($1.runAfter, $1.id ?? 0) }) else { return nil }
            record.state = .running
            record.attempts += 1
            record.leaseOwner = worker
            record.leaseUntil = now.addingTimeInterval(lease)
            record.updatedAt = now
            try record.update(db)
            return record.job
        }
    }

    /// Whether a job of `kinds` is ready or was abandoned by its worker: the
    /// claim's question, asked without taking the write lock.
    static func anyRunnable(kinds: [JobKind], now: Date, _ db: Database) throws -> Bool {
        guard !kinds.isEmpty else { return false }
        let placeholders = Array(repeating: "?", count: kinds.count).joined(separator: ",")
        let arguments =
            StatementArguments(kinds.map(\.rawValue)) + [Job.State.queued.rawValue, now, Job.State.running.rawValue, now]
        return try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM jobs WHERE kind IN (\(placeholders))
                  AND ((state = ? AND runAfter <= ?) OR (state = ? AND leaseUntil < ?)))
                """,
            arguments: arguments
        ) ?? false
    }

    /// The first job of `request` that may run now, in turn: attempts left,
    /// and no job of its kind for its subject running (a change queued while
    /// its copy is being posted waits, so the two never both post).
    static func claimable(_ request: QueryInterfaceRequest<JobRecord>, now: Date, _ db: Database) throws -> JobRecord? {
        try request.filter(JobRecord.Columns.attempts < JobRecord.Columns.maxAttempts)
            .filter(
                sql: """
                    NOT EXISTS (SELECT 1 FROM jobs AS other WHERE other.kind = jobs.kind AND other.subject = jobs.subject
                      AND other.state = 'running' AND other.id != jobs.id AND other.leaseUntil >= ?)
                    """,
                arguments: [now]
            )
            .order(JobRecord.Columns.runAfter, JobRecord.Columns.id).fetchOne(db)
    }

    /// Fails, with their media, the jobs of `request` whose worker stopped
    /// during every attempt they had: a file that crashes the process is
    /// not tried again, however often the process restarts.
    static func giveUpStopped(_ request: QueryInterfaceRequest<JobRecord>, db: Database, now: Date) throws {
        for var record in try request.filter(JobRecord.Columns.attempts >= JobRecord.Columns.maxAttempts).fetchAll(db) {
            let reason = "the worker stopped while processing this file \(record.attempts) times"
            record.state = .failed
            record.lastError = reason
            record.leaseUntil = nil
            record.updatedAt = now
            try record.update(db)
            if record.kind.subjectKind == .media { try fail(mediaId: record.subject, reason: reason, db) }
        }
    }

    public func renewLease(jobId: Int64, worker: String, until: Date) async throws {
        try await pool.write { db in
            _ = try JobRecord.filter(key: jobId)
                .filter(JobRecord.Columns.leaseOwner == worker && JobRecord.Columns.state == Job.State.running)
                .updateAll(db, JobRecord.Columns.leaseUntil.set(to: until))
        }
    }

    public func complete(jobId: Int64, result: JobResult, now: Date) async throws {
        try await pool.write { db in
            switch result {
            case .nothing: break
            case .mediaProcessed(let mediaId, let renditions, let placeholder):
                try Self.finish(mediaId: mediaId, renditions: renditions, placeholder: placeholder, db)
            case .mentionVerified(let mention):
                try MentionRecord(mention).update(db)
            case .copied(let copy, let next):
                try Self.record(copy, db)
                try Self.enqueue(next, now: now, db)
            case .backfed(let responses, let next):
                try Self.record(responses: responses, now: now, db)
                if let next { try Self.enqueue([next], now: now, db) }
            case .enqueued(let requests):
                try Self.enqueue(requests, now: now, db)
            case .transcribed(let transcript, let renditions):
                try Self.record(transcript, renditions: renditions, replacingEdits: false, db)
            case .authorPhoto(let remote, let file):
                _ = try MentionRecord.filter(MentionRecord.Columns.authorRemotePhoto == remote && MentionRecord.Columns.authorPhotoFile == "")
                    .updateAll(db, MentionRecord.Columns.authorPhotoFile.set(to: file))
            }
            // The lease owner stays, so the job's row says which worker did it.
            _ = try JobRecord.filter(key: jobId).updateAll(
                db,
                JobRecord.Columns.state.set(to: Job.State.done),
                JobRecord.Columns.leaseUntil.set(to: nil),
                JobRecord.Columns.updatedAt.set(to: now)
            )
        }
    }

    public func fail(jobId: Int64, reason: String, retryAt: Date?, now: Date) async throws {
        try await pool.write { db in
            guard var record = try JobRecord.fetchOne(db, key: jobId) else { return }
            record.lastError = reason
            record.leaseUntil = nil
            record.updatedAt = now
            if let retryAt, record.attempts < record.maxAttempts {
                record.state = .queued
                record.runAfter = retryAt
            } else {
                record.state = .failed
                if record.kind.subjectKind == .media { try Self.fail(mediaId: record.subject, reason: reason, db) }
            }
            try record.update(db)
        }
    }

    public func requeue(jobId: Int64, reason: String, runAfter: Date, now: Date) async throws {
        try await pool.write { db in
            guard var record = try JobRecord.fetchOne(db, key: jobId), record.state == .running else { return }
            record.state = .queued
            record.attempts = max(0, record.attempts - 1)
            record.leaseOwner = nil
            record.leaseUntil = nil
            record.runAfter = runAfter
            record.updatedAt = now
            record.lastError = reason
            try record.update(db)
        }
    }

    public func job(id: Int64) async throws -> Job? {
        try await pool.read { db in try JobRecord.fetchOne(db, key: id)?.job }
    }

    public func enqueue(_ request: JobRequest, now: Date) async throws {
        try await pool.write { db in try Self.enqueue([request], now: now, db) }
        wakeUps.wakeAll()
    }

    /// Queues jobs inside the caller's transaction (the outbox: a change and
    /// the jobs it causes commit together), each unless the same kind of job
    /// for the same subject is already waiting.
    static func enqueue(_ requests: [JobRequest], now: Date, _ db: Database) throws {
        for request in requests {
            let waiting = JobRecord.filter(
                JobRecord.Columns.kind == request.kind.rawValue && JobRecord.Columns.subject == request.subject.key
                    && JobRecord.Columns.state == Job.State.queued
            )
            guard try waiting.fetchCount(db) == 0 else { continue }
            var record = JobRecord(request, now: now)
            if let later = request.runAfter, later > now { record.runAfter = later }
            try record.insert(db)
        }
    }

    public func jobs(subject: JobSubject) async throws -> [Job] {
        try await pool.read { db in
            try JobRecord.filter(
                JobRecord.Columns.subject == subject.key && JobKind.working(on: subject.kind).map(\.rawValue).contains(JobRecord.Columns.kind)
            )
            .order(JobRecord.Columns.id.desc).fetchAll(db).map(\.job)
        }
    }

    public func untried(kinds: [JobKind]) async throws -> Int {
        try await pool.read { db in
            try JobRecord.filter(
                kinds.map(\.rawValue).contains(JobRecord.Columns.kind)
                    && (JobRecord.Columns.state == Job.State.running
                        || (JobRecord.Columns.state == Job.State.queued && JobRecord.Columns.attempts == 0))
            ).fetchCount(db)
        }
    }

    public func census() async throws -> [JobCensus] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, state, count(*) AS n, min(createdAt) AS oldest FROM jobs GROUP BY kind, state")
                .compactMap { row in
                    guard let kind = JobKind(rawValue: row["kind"]), let state = Job.State(rawValue: row["state"]) else { return nil }
                    return JobCensus(kind: kind, state: state, count: row["n"], oldest: row["oldest"])
                }
        }
    }

    public func leaseOwners() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT DISTINCT leaseOwner FROM jobs WHERE state = ? AND leaseOwner IS NOT NULL",
                arguments: [Job.State.running]
            )
        }
    }

    public func releaseLeases(ownedBy worker: String, now: Date) async throws {
        try await pool.write { db in
            let owned = JobRecord.filter(JobRecord.Columns.leaseOwner == worker && JobRecord.Columns.state == Job.State.running)
            try Self.giveUpStopped(owned, db: db, now: now)
            _ = try owned.updateAll(
                db,
                JobRecord.Columns.state.set(to: Job.State.queued),
                JobRecord.Columns.leaseOwner.set(to: nil),
                JobRecord.Columns.leaseUntil.set(to: nil),
                JobRecord.Columns.runAfter.set(to: now),
                JobRecord.Columns.updatedAt.set(to: now)
            )
        }
        wakeUps.wakeAll()
    }

    public func retry(mediaId: String, kind: JobKind, now: Date) async throws {
        try await pool.write { db in
            var record = JobRecord(JobRequest(kind: kind, subject: .media(mediaId)), now: now)
            try record.insert(db)
            _ = try MediaRecord.filter(key: mediaId).updateAll(
                db,
                MediaRecord.Columns.state.set(to: MediaItem.State.processing),
                MediaRecord.Columns.failure.set(to: nil)
            )
        }
        wakeUps.wakeAll()
    }

    public func waitForWork(upTo timeout: Duration) async {
        await wakeUps.wait(upTo: timeout)
    }
}
