import Foundation

/// A durable queue: a job is claimed with a lease, survives a crash (its lease
/// runs out and it is claimed again), and ends done or failed with a reason.
public protocol JobQueue: Sendable {
    /// The oldest ready job of one of `kinds`, now running under `worker` until
    /// `now + lease`; nil when none is ready. A job whose attempts ran out is failed here instead.
    func claim(worker: String, lease: TimeInterval, now: Date, kinds: [JobKind]) async throws -> Job?
    /// For each group of kinds, whether a job of it could be claimed now: one
    /// cheap read, no lock, so a process can watch for work without every
    /// worker polling.
    func runnable(groups: [[JobKind]], now: Date) async throws -> [Bool]
    /// Queues a job, unless the same kind of job for the same subject is
    /// already waiting (it will see the latest state when it runs).
    func enqueue(_ request: JobRequest, now: Date) async throws
    /// Extends the job's lease, if `worker` still holds it.
    func renewLease(jobId: Int64, worker: String, until: Date) async throws
    /// Marks the job done and writes what it did to its subject, in one transaction.
    func complete(jobId: Int64, result: JobResult, now: Date) async throws
    /// Retries at `retryAt` while attempts remain; otherwise the job ends
    /// failed and, in the same transaction, so does its media item (for a media job).
    func fail(jobId: Int64, reason: String, retryAt: Date?, now: Date) async throws
    /// Puts a running job back in the queue without spending an attempt (it
    /// was interrupted, or met a full disk: not at fault); `reason` is kept as its last error.
    func requeue(jobId: Int64, reason: String, runAfter: Date, now: Date) async throws
    /// The job with this id, or nil.
    func job(id: Int64) async throws -> Job?
    /// The jobs of one subject (a media item, a post), newest first (the owner's view of what happened).
    func jobs(subject: JobSubject) async throws -> [Job]
    /// How many jobs of `kinds` are running, or waiting for their first try.
    func untried(kinds: [JobKind]) async throws -> Int
    /// How many jobs there are of each kind in each state, and when the
    /// longest-waiting queued one was queued: what an operator's dashboard
    /// reads (`/metrics`). Kinds this version does not know are left out.
    func census() async throws -> [JobCensus]
    /// Workers holding running jobs now.
    func leaseOwners() async throws -> [String]
    /// Hands a dead worker's running jobs back to the queue at once, instead of after its lease.
    func releaseLeases(ownedBy worker: String, now: Date) async throws
    /// Queues a media item's processing again (the owner's Retry), with its attempts renewed.
    func retry(mediaId: String, kind: JobKind, now: Date) async throws
    /// Returns when a job may have been queued (by this process, or by any
    /// process where the store can tell: PostgreSQL's `NOTIFY`), or after `timeout`.
    func waitForWork(upTo timeout: Duration) async
}

extension JobQueue {
    /// Marks a job done that changed nothing else.
    public func complete(jobId: Int64, now: Date) async throws {
        try await complete(jobId: jobId, result: .nothing, now: now)
    }
}

/// One kind of job in one state: how many, and (queued jobs) since when the oldest has waited.
public struct JobCensus: Sendable, Equatable {
    public let kind: JobKind
    public let state: Job.State
    public let count: Int
    /// When the oldest job of this kind and state was queued; read for queued jobs.
    public let oldest: Date?

    public init(kind: JobKind, state: Job.State, count: Int, oldest: Date?) {
        self.kind = kind
        self.state = state
        self.count = count
        self.oldest = oldest
    }
}
