import Synchronization

/// How a long media step learns it should stop, and how it says how far it
/// got: a cancellation flag another thread may set (shutdown), a deadline,
/// and the progress the studio shows. Steps check it between each other and
/// inside their decode loops (FFmpeg's interrupt callback reads it too);
/// stopping is `MediaError.interrupted`, which retries the job rather than
/// blaming the file.
public final class JobControl: Sendable {
    private let cancelled = Atomic<Bool>(false)
    public let deadline: ContinuousClock.Instant?
    /// Progress in thousandths, and the step it is counted within.
    private let state = Mutex<(done: Int, step: Int, steps: Int)>((0, 0, 1))

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

    /// How far the whole job is, 0 to 1.
    public var progress: Double { Double(state.withLock { $0.done }) / 1000 }

    /// Starts step `index` of `count`: progress so far is the steps before it.
    public func begin(step index: Int, of count: Int) {
        state.withLock { state in
            state = (max(state.done, index * 1000 / max(1, count)), index, max(1, count))
        }
    }

    /// Takes how far the whole job is, 0 to 1, from elsewhere (a media child's progress lines).
    public func carry(_ fraction: Double) {
        let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
        state.withLock { $0.done = max($0.done, Int(clamped * 1000)) }
    }

    /// Reports how far the current step is, 0 to 1 (a decode loop: the time decoded of the duration).
    public func report(_ fraction: Double) {
        let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
        state.withLock { state in
            let done = Int((Double(state.step) + clamped) / Double(state.steps) * 1000)
            state.done = max(state.done, min(1000, done))
        }
    }
}
