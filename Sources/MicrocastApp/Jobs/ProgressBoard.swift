import MediaModel
import Synchronization

/// How far each running job of this process is, by media id, for the
/// studio's live view. In memory: a job running in another process shows as
/// processing without a percentage.
public final class ProgressBoard: Sendable {
    private let running = Mutex<[String: JobControl]>([:])

    public init() {}

    package func started(_ mediaId: String, _ control: JobControl) {
        running.withLock { $0[mediaId] = control }
    }

    package func finished(_ mediaId: String) {
        running.withLock { _ = $0.removeValue(forKey: mediaId) }
    }

    /// The running job's progress, 0 to 1; nil when no job of this process works on it.
    public func progress(of mediaId: String) -> Double? {
        running.withLock { $0[mediaId]?.progress }
    }
}
