import Synchronization

/// How a long media step learns it should stop: a cancellation flag another
/// thread may set (shutdown), and a deadline. Steps check it between each
/// other and inside their decode loops (FFmpeg's interrupt callback reads it
/// too); stopping is `MediaError.interrupted`, which retries the job rather
/// than blaming the file.
public final class JobControl: Sendable {
    private let cancelled = Atomic<Bool>(false)
    public let deadline: ContinuousClock.Instant?

    public init(deadline: ContinuousClock.Instant? = nil) {
        self.deadline = deadline
    }

    /// A control that never stops anything, for tools and tests.
    public static var unlimited: JobControl { JobControl() }

    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Whether work should stop now.
    public var shouldStop: Bool {
        if cancelled.load(ordering: .relaxed) { return true }
        if let deadline, ContinuousClock.now >= deadline { return true }
        return false
    }

    /// Throws `interrupted`, naming what was about to happen, if work should stop.
    public func check(_ what: String) throws(MediaError) {
        guard shouldStop else { return }
        let why = cancelled.load(ordering: .relaxed) ? "stopped" : "ran past its time limit"
        throw .interrupted("\(why) before \(what)")
    }
}
