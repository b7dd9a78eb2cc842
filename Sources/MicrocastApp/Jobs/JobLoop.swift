import Foundation
import Logging
import MicrocastCore
import ServiceLifecycle

/// What every worker loop does with the queue, whichever jobs it runs.
extension JobQueue {
    /// Claims jobs of `kinds` one at a time and hands each to `run`, until
    /// the service shuts down; between jobs it waits to be woken by a new one.
    func claimJobs(
        worker: String,
        kinds: [JobKind],
        lease: TimeInterval,
        pollInterval: Duration,
        logger: Logger,
        run: @escaping @Sendable (Job) async -> Void
    ) async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if let job = try await claim(worker: worker, lease: lease, now: Date(), kinds: kinds) {
                        await run(job)
                        continue
                    }
                } catch is CancellationError {
                    break  // shutting down
                } catch {
                    logger.error("job queue unavailable", metadata: ["error": "\(error)"])
                }
                // Woken as soon as a job is queued; the timeout finds retries whose back-off ran out.
                await waitForWork(upTo: pollInterval)
            }
        }
    }

    /// Keeps the job's lease fresh while `body` runs, so a long job is not
    /// mistaken for a crashed one; returns what `body` returns.
    func withLeaseRenewed<T: Sendable>(
        _ job: Job,
        worker: String,
        lease: TimeInterval,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                // Renews until cancelled (the sleep throws then): it never returns a value.
                while true {
                    try await Task.sleep(for: .seconds(lease / 3))
                    try await renewLease(jobId: job.id, worker: worker, until: Date().addingTimeInterval(lease))
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw CancellationError() }
            return value
        }
    }
}

/// Runs `count` worker loops until shutdown; with none (a process that only
/// answers requests) it still lives until shutdown, since a service that
/// returns ends its whole group.
func runLoops(_ count: Int, _ loop: @escaping @Sendable (Int) async -> Void) async {
    guard count > 0 else {
        try? await gracefulShutdown()
        return
    }
    await withTaskGroup(of: Void.self) { group in
        for index in 0..<count { group.addTask { await loop(index) } }
    }
}

/// Writes a job's outcome in a task of its own: the shutdown that cancels a
/// worker's loop must not also cancel writing what its job already did.
func writeOutcome(_ write: @escaping @Sendable () async throws -> Void) async throws {
    try await Task { try await write() }.value
}
