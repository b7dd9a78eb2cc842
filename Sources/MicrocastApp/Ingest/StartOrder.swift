import Foundation

/// Dates for items that have none of their own, so the site keeps them in the
/// order they were started (name order) however their processing finishes.
/// Each is the moment its item starts, nudged a millisecond past the one
/// before: always in the past by the time its post is made, since a date in
/// the future would make the post a scheduled one.
struct StartOrder {
    private var last = Date.distantPast

    mutating func next(now: Date = Date()) -> Date {
        // Dates are stored to the millisecond.
        last = max(now, last.addingTimeInterval(0.001))
        return last
    }
}
