import GRDB
import Synchronization

/// The content stamp as last read, so a busy site's cached pages do not each
/// cost a database read (it was a quarter of a cached page's time). A commit
/// through this process's pool clears it at once, so a change made here is
/// seen by the very next request; a change written by another process (a
/// `worker`, the CLI) is seen within `maxAge`.
final class ContentStampCache: Sendable {
    private struct Reading {
        var value: String
        var readAt: ContinuousClock.Instant
    }

    static let maxAge: Duration = .milliseconds(50)
    /// The last reading, and a count of commits seen, so a reading begun
    /// before a commit is never kept as if it came after.
    private let state = Mutex<(reading: Reading?, commits: UInt64)>((nil, 0))
    private let observation = Mutex<AnyDatabaseCancellable?>(nil)

    /// Clears the reading whenever a transaction through `pool` commits a change.
    func watch(_ pool: DatabasePool) {
        let cancellable = DatabaseRegionObservation(tracking: .fullDatabase).start(in: pool) { _ in
            // The stamp then reads fresh; nothing else to do.
        } onChange: { [weak self] _ in
            self?.state.withLock { state in
                state.reading = nil
                state.commits &+= 1
            }
        }
        observation.withLock { $0 = cancellable }
    }

    /// The cached stamp if it is fresh, else `read()`'s, kept unless a commit came meanwhile.
    func value(read: () async throws -> String) async throws -> String {
        let now = ContinuousClock.now
        let (cached, commits) = state.withLock { state in (state.reading, state.commits) }
        if let cached, now - cached.readAt < Self.maxAge { return cached.value }
        let value = try await read()
        state.withLock { state in
            if state.commits == commits { state.reading = Reading(value: value, readAt: now) }
        }
        return value
    }
}
