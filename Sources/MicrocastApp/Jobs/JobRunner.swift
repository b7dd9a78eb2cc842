import Foundation
import Logging
import MediaEngine
import MicrocastCore
import ServiceLifecycle

/// Runs queued jobs: for each pool, its number of loops, each claiming a
/// job of the pool's kinds with a lease, renewing the lease while the job
/// runs, and writing the outcome with what the job changed, in one
/// transaction. A job left running by a process that died is claimed again
/// once its lease runs out (at once, when that process was on this machine).
public struct JobRunner: Service {
    let queue: any JobQueue
    let registry: JobRegistry
    /// Loops per pool; a pool with none runs nothing in this process.
    let loops: [JobPool: Int]
    let pollInterval: Duration
    /// How long an idle loop waits for the watcher before it looks by itself:
    /// a safety net, should a wake-up ever be lost (four polls, at least a second).
    let idleWait: Duration
    /// Renewed every third of itself while a job runs.
    let lease: TimeInterval
    /// A full disk (the files' or the store's) is nobody's fault: the job waits for room.
    let diskSpace: DiskSpace?
    let metrics: ServiceMetrics
    let logger: Logger
    let name = JobRunner.localName(pid: ProcessInfo.processInfo.processIdentifier)

    package init(
        queue: any JobQueue,
        registry: JobRegistry,
        loops: [JobPool: Int],
        pollInterval: Duration,
        idleWait: Duration? = nil,
        lease: TimeInterval,
        diskSpace: DiskSpace? = nil,
        metrics: ServiceMetrics = .none,
        logger: Logger
    ) {
        self.queue = queue
        self.metrics = metrics
        self.diskSpace = diskSpace
        self.registry = registry
        self.loops = loops
        self.pollInterval = pollInterval
        self.idleWait = idleWait ?? max(pollInterval * 4, .seconds(1))
        self.lease = lease
        self.logger = logger
    }

    /// Workers are named by host and process, so a restarted process can tell
    /// which running jobs belonged to a process that is gone.
    static func localName(pid: Int32) -> String { "worker-\(ProcessInfo.processInfo.hostName)-\(pid)" }

    public func run() async throws {
        let pools = JobPool.allCases.filter { (loops[$0] ?? 0) > 0 && !registry.kinds(in: $0).isEmpty }
        guard !pools.isEmpty else {
            // A service that returns ends its whole group: one that runs nothing lives until shutdown.
            try? await gracefulShutdown()
            return
        }
        await releaseLeasesOfDeadProcesses()
        // Each pool's idle loops wait together, woken only for their own kinds.
        let idle = pools.map { (pool: $0, wakeUps: JobWakeUps()) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await watch(idle) }
            for (pool, wakeUps) in idle {
                for index in 0..<(loops[pool] ?? 0) {
                    group.addTask {
                        await loop(id: "\(name)-\(pool.rawValue)\(index)", tiers: registry.tiers(in: pool), pool: pool, idle: wakeUps)
                    }
                }
            }
        }
    }

    /// The one poll of this process: every `pollInterval`, and whenever the
    /// store says a job may have been queued, one cheap read asks which
    /// pools have a runnable job, and wakes those pools' idle loops. The loops
    /// themselves look only every `idleWait`: a site's dozen idle loops each reading the
    /// store several times a second were most of an idle server's CPU.
    func watch(_ idle: [(pool: JobPool, wakeUps: JobWakeUps)]) async {
        let groups = idle.map { registry.kinds(in: $0.pool) }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await queue.waitForWork(upTo: pollInterval)
                do {
                    let runnable = try await queue.runnable(groups: groups, now: Date())
                    for (pool, ready) in zip(idle, runnable) where ready { pool.wakeUps.wakeAll() }
                } catch {
                    if error is CancellationError || Task.isCancelled { break }
                    logger.error("job queue unavailable", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    func loop(id: String, tiers: [[JobKind]], pool: JobPool, idle: JobWakeUps) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if let job = try await claim(worker: id, tiers: tiers) {
                        await run(job, worker: id)
                        // What a media job freed is returned, so a backlog does not ratchet memory up.
                        if pool == .media { ProcessMemory.trim() }
                        continue
                    }
                } catch {
                    // Shutting down: the store's own cancellation error may be any type (PostgreSQL's pool has its own).
                    if error is CancellationError || Task.isCancelled { break }
                    logger.error("job queue unavailable", metadata: ["error": "\(error)"])
                }
                // Woken by the watcher when a job is runnable (queued, or its back-off ran out).
                await idle.wait(upTo: idleWait)
            }
        }
    }

    /// The first tier with a runnable job gives the job.
    func claim(worker: String, tiers: [[JobKind]]) async throws -> Job? {
        for kinds in tiers {
            if let job = try await queue.claim(worker: worker, lease: lease, now: Date(), kinds: kinds) { return job }
        }
        return nil
    }

    /// Runs one claimed job and records how it ended.
    func run(_ job: Job, worker: String) async {
        let start = ContinuousClock.now
        var metadata: Logger.Metadata = [
            "job": "\(job.id)", "kind": "\(job.kind.rawValue)", "subject": "\(job.subject)", "attempt": "\(job.attempts)",
        ]
        let queue = self.queue
        guard let handler = registry.handler(for: job.kind) else {
            // Claimed only by kind, so this is a registry out of step with the pools: say so, and let it go back.
            metadata["outcome"] = "no handler"
            await record(job, &metadata) {
                try await queue.requeue(jobId: job.id, reason: "no handler in this process", runAfter: Date().addingTimeInterval(60), now: Date())
            }
            logger.error("job", metadata: metadata)
            metrics.jobEnded(kind: job.kind, outcome: "no handler", duration: ContinuousClock.now - start)
            return
        }
        do {
            let done = try await withLeaseRenewed(job, worker: worker) { try await handler.run(job) }
            FaultPoint.jobWorkDone.reached()
            try await writeOutcome { try await queue.complete(jobId: job.id, result: done.result, now: Date()) }
            metadata["outcome"] = "done"
            if !done.summary.isEmpty { metadata["result"] = "\(done.summary)" }
        } catch JobSetback.postpone(let reason, let after) {
            await record(job, &metadata) {
                try await queue.requeue(jobId: job.id, reason: reason, runAfter: Date().addingTimeInterval(after), now: Date())
            }
            metadata["outcome"] = "postponed"
            metadata["reason"] = "\(reason)"
        } catch  where diskSpace?.isFull(error) == true {
            // Writing what the job did met a full disk (its files, or the store's
            // own): nothing is wrong with the subject, so no attempt is spent.
            let reason = "waiting for disk space: \(error)"
            await record(job, &metadata) {
                try await queue.requeue(
                    jobId: job.id,
                    reason: reason,
                    runAfter: Date().addingTimeInterval(JobBackoff.doubling(attempt: job.attempts)),
                    now: Date()
                )
            }
            metadata["outcome"] = "disk full"
            metadata["reason"] = "\(reason)"
        } catch JobSetback.giveUp(let reason) {
            // The job and its subject fail together (`fail` with no retry).
            await record(job, &metadata) { try await queue.fail(jobId: job.id, reason: reason, retryAt: nil, now: Date()) }
            metadata["outcome"] = "failed"
            metadata["reason"] = "\(reason)"
        } catch {
            let retryAt = Date().addingTimeInterval(handler.backoff(attempt: job.attempts))
            let reason = "\(error)"
            await record(job, &metadata) { try await queue.fail(jobId: job.id, reason: reason, retryAt: retryAt, now: Date()) }
            metadata["outcome"] = job.isLastAttempt ? "failed" : "retry"
            metadata["reason"] = "\(reason)"
        }
        let duration = ContinuousClock.now - start
        metadata["ms"] = "\(Int(duration.milliseconds))"
        logger.info("job", metadata: metadata)
        if case .string(let outcome) = metadata["outcome"] { metrics.jobEnded(kind: job.kind, outcome: outcome, duration: duration) }
    }

    /// Writes a job's outcome. If the store cannot take it, the job stays
    /// running under its lease and is claimed again when that runs out: the
    /// failure is logged, never swallowed, and nothing is left half-written.
    func record(_ job: Job, _ metadata: inout Logger.Metadata, _ write: @escaping @Sendable () async throws -> Void) async {
        do {
            // A full disk often has room again a moment later (the job's own
            // temporaries removed, another writer done): a few more tries
            // before the outcome waits for the lease.
            var tries = 0
            while true {
                do {
                    try await writeOutcome(write)
                    break
                } catch  where diskSpace?.isFull(error) == true && tries < 20 {
                    tries += 1
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
        } catch {
            metadata["store-error"] = "\(error)"
            logger.error("job outcome not recorded; it runs again after its lease", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }

    /// Writes in a task of its own: the shutdown that cancels a loop must not
    /// also cancel writing what its job already did.
    func writeOutcome(_ write: @escaping @Sendable () async throws -> Void) async throws {
        try await Task { try await write() }.value
    }

    /// Keeps the job's lease fresh while `body` runs, so a long job is not
    /// mistaken for a crashed one; returns what `body` returns.
    func withLeaseRenewed<T: Sendable>(_ job: Job, worker: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let (queue, lease) = (self.queue, self.lease)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                // Renews until cancelled (the sleep throws then): it never returns a value.
                while true {
                    try await Task.sleep(for: .seconds(lease / 3))
                    try await queue.renewLease(jobId: job.id, worker: worker, until: Date().addingTimeInterval(lease))
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw CancellationError() }
            return value
        }
    }

    /// Jobs a killed process on this machine was running go back to the
    /// queue now rather than when their lease runs out.
    func releaseLeasesOfDeadProcesses() async {
        let prefix = "worker-\(ProcessInfo.processInfo.hostName)-"
        for owner in (try? await queue.leaseOwners()) ?? [] where owner.hasPrefix(prefix) {
            guard let pid = owner.dropFirst(prefix.count).split(separator: "-").first.flatMap({ Int32($0) }),
                pid != ProcessInfo.processInfo.processIdentifier, kill(pid, 0) == -1, errno == ESRCH
            else { continue }
            try? await queue.releaseLeases(ownedBy: owner, now: Date())
            logger.info("released jobs of a stopped worker", metadata: ["worker": "\(owner)"])
        }
    }
}
