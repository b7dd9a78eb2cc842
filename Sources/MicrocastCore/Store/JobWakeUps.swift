import Foundation
import Synchronization

/// Idle workers waiting for a job, woken together when one is queued. A
/// wait also ends after its timeout, so jobs whose back-off ran out (which
/// no one announces) are still found.
public final class JobWakeUps: Sendable {
    private let waiting = Mutex<[UUID: CheckedContinuation<Void, Never>]>([:])

    public init() {}

    /// Returns when `wakeAll` is called or `timeout` has passed.
    public func wait(upTo timeout: Duration) async {
        let id = UUID()
        await withCheckedContinuation { continuation in
            waiting.withLock { $0[id] = continuation }
            // Whichever comes first resumes it; the lock makes sure only one does.
            Task {
                try? await Task.sleep(for: timeout)
                self.resume(id)
            }
        }
    }

    public func wakeAll() {
        let all = waiting.withLock { waiting in
            defer { waiting.removeAll() }
            return Array(waiting.values)
        }
        for continuation in all { continuation.resume() }
    }

    private func resume(_ id: UUID) {
        waiting.withLock { $0.removeValue(forKey: id) }?.resume()
    }
}
