import Foundation
import Logging
import MicrocastApp
import MicrocastCore
import MicrocastStore
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// How an idle process looks for work: one watcher reads, the loops wait.
@Suite("Watching for jobs")
struct JobWatchTests {
    /// The store, counting how often it is asked for work.
    final class Counting: JobQueue {
        let store: SQLiteStore
        let claims = Mutex(0)
        let looks = Mutex(0)
        init(_ store: SQLiteStore) { self.store = store }

        func claim(worker: String, lease: TimeInterval, now: Date, kinds: [JobKind]) async throws -> Job? {
            claims.withLock { $0 += 1 }
            return try await store.claim(worker: worker, lease: lease, now: now, kinds: kinds)
        }
        func runnable(groups: [[JobKind]], now: Date) async throws -> [Bool] {
            looks.withLock { $0 += 1 }
            return try await store.runnable(groups: groups, now: now)
        }
        func enqueue(_ request: JobRequest, now: Date) async throws { try await store.enqueue(request, now: now) }
        func renewLease(jobId: Int64, worker: String, until: Date) async throws {
            try await store.renewLease(jobId: jobId, worker: worker, until: until)
        }
        func complete(jobId: Int64, result: JobResult, now: Date) async throws { try await store.complete(jobId: jobId, result: result, now: now) }
        func fail(jobId: Int64, reason: String, retryAt: Date?, now: Date) async throws {
            try await store.fail(jobId: jobId, reason: reason, retryAt: retryAt, now: now)
        }
        func requeue(jobId: Int64, reason: String, runAfter: Date, now: Date) async throws {
            try await store.requeue(jobId: jobId, reason: reason, runAfter: runAfter, now: now)
        }
        func job(id: Int64) async throws -> Job? { try await store.job(id: id) }
        func jobs(subject: JobSubject) async throws -> [Job] { try await store.jobs(subject: subject) }
        func untried(kinds: [JobKind]) async throws -> Int { try await store.untried(kinds: kinds) }
        func census() async throws -> [JobCensus] { try await store.census() }
        func leaseOwners() async throws -> [String] { try await store.leaseOwners() }
        func releaseLeases(ownedBy worker: String, now: Date) async throws { try await store.releaseLeases(ownedBy: worker, now: now) }
        func retry(mediaId: String, kind: JobKind, now: Date) async throws { try await store.retry(mediaId: mediaId, kind: kind, now: now) }
        func waitForWork(upTo timeout: Duration) async { await store.waitForWork(upTo: timeout) }
    }

    /// Runs once, and counts.
    final class Once: JobHandler {
        let kind: JobKind
        let pool: JobPool
        let runs = Mutex(0)
        init(_ kind: JobKind, pool: JobPool) { (self.kind, self.pool) = (kind, pool) }
        func backoff(attempt: Int) -> TimeInterval { 0 }
        func run(_ job: Job) async throws -> JobDone {
            runs.withLock { $0 += 1 }
            return JobDone(.nothing, summary: "done")
        }
    }

    @Test(
        "an idle process's loops never poll: one watcher looks, and wakes the pool a job from another process is for",
        .timeLimit(.minutes(5))
    )
    func idleLoopsWait() async throws {
        let path = try Fixtures.folder().appendingPathComponent("jobs.sqlite").path
        let queue = Counting(try SQLiteStore(path: path))
        // Another process's connection: its enqueue wakes nobody here.
        let other = try SQLiteStore(path: path)
        let delivery = Once(.sendMentions, pool: .delivery)
        let runner = JobRunner(
            queue: queue,
            registry: JobRegistry([Once(.photoRenditions, pool: .media), Once(.verifyMention, pool: .verification), delivery]),
            loops: [.media: 3, .verification: 2, .delivery: 1],
            pollInterval: .milliseconds(20),
            // Longer than the test: any claim but the first is the watcher's doing.
            idleWait: .seconds(600),
            lease: 30,
            logger: Logger(label: "test")
        )
        let group = ServiceGroup(configuration: .init(services: [runner], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Twenty looks by the watcher; each of the six loops looked once, when it started.
            while queue.looks.withLock({ $0 }) < 20 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(queue.claims.withLock { $0 } == 6, "idle loops claimed by themselves")

            try await other.enqueue(JobRequest(kind: .sendMentions, subject: .post("hello")), now: Date())
            while delivery.runs.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            let claims = queue.claims.withLock { $0 }
            // The delivery loop claimed the job and looked once more after it; the other pools slept through it.
            #expect(claims <= 6 + 3, "only the delivery pool's loop was woken: \(claims) claims")

            // Loops waiting long are ended by the shutdown at once (the time limit says if not).
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await other.jobs(subject: .post("hello")).first?.state == .done)
    }

    @Test("a wait for work ends when its task is cancelled, however long its timeout", .timeLimit(.minutes(1)))
    func cancelledWaitEnds() async {
        let wakeUps = JobWakeUps()
        let waiting = Task { await wakeUps.wait(upTo: .seconds(3_600)) }
        waiting.cancel()
        await waiting.value
        // And a cancelled task's later waits end at once too.
        await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await wakeUps.wait(upTo: .seconds(3_600))
        }.value
    }
}
