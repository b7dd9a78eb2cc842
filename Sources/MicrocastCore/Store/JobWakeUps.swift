import Foundation
import Synchronization

/// Idle workers waiting for a job, woken together when one is queued. A
/// wait also ends after its timeout, so jobs whose back-off ran out (which
/// no one announces) are still found, and when its task is cancelled, so a
/// long wait never holds up a shutdown.
public final class JobWakeUps: Sendable {
    private struct Waiter {
        let continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>?
    }

    private let waiting = Mutex<[UUID: Waiter]>([:])

    public init() {}

    /// Returns when `wakeAll` is called, `timeout` has passed, or the task is cancelled.
    public func wait(upTo timeout: Duration) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiting.withLock { $0[id] = Waiter(continuation: continuation, timer: nil) }
                // Made outside the lock: making a task reads this task's own
                // records, which a concurrent cancel holds while its handler
                // waits for the lock (a deadlock a full test run met).
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    self.resume(id)
                }
                let waits = waiting.withLock { waiting in
                    guard waiting[id] != nil else { return false }
                    waiting[id]?.timer = timer
                    return true
                }
                // Whichever comes first resumes it; the lock makes sure only one does.
                if !waits { timer.cancel() }
                // Cancelled before the waiter was registered: the handler found nothing to resume.
                if Task.isCancelled { resume(id) }
            }
        } onCancel: {
            // Only the continuation: a handler runs holding its task's lock, so it touches no other task.
            resume(id, stoppingTimer: false)
        }
    }

    public func wakeAll() {
        let all = waiting.withLock { waiting in
            defer { waiting.removeAll() }
            return Array(waiting.values)
        }
        // A woken wait's timer is stopped, so early wake-ups do not leave sleepers behind.
        for waiter in all {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
    }

    private func resume(_ id: UUID, stoppingTimer: Bool = true) {
        guard let waiter = waiting.withLock({ $0.removeValue(forKey: id) }) else { return }
        if stoppingTimer { waiter.timer?.cancel() }
        waiter.continuation.resume()
    }
}
