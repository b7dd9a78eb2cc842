import Foundation
import Synchronization

/// A clock a test moves on (to "the next day", past a scheduled post's time).
final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
