import Foundation

/// How long to wait before asking a followed feed again: often for a source
/// that posts often, rarely for one that does not, never sooner than 15
/// minutes nor later than a day, and further apart after each failure.
/// A WebSub push needs no poll at all; polling is what remains for the rest.
public enum PollSchedule {
    public static let shortest: TimeInterval = 15 * 60
    public static let longest: TimeInterval = 24 * 60 * 60

    /// After a read: half the median gap between the latest posts (up to ten),
    /// but at least a quarter of the time since the latest one (a burst of
    /// posts long ago is not a sign of more soon).
    public static func interval(published dates: [Date], now: Date) -> TimeInterval {
        let recent = dates.filter { $0 <= now }.sorted(by: >).prefix(10)
        guard let latest = recent.first, recent.count >= 2 else { return bounded(max(shortest * 4, now.timeIntervalSince(recent.first ?? now) / 4)) }
        let gaps = zip(recent, recent.dropFirst()).map { $0.timeIntervalSince($1) }.sorted()
        let median = gaps[gaps.count / 2]
        return bounded(max(median / 2, now.timeIntervalSince(latest) / 4))
    }

    /// After an answer with nothing new (a 304, or no unseen entry): the last interval, half again as long.
    public static func unchanged(previous: TimeInterval) -> TimeInterval {
        bounded(previous * 1.5)
    }

    /// After the `count`th failure in a row: doubling from the shortest, to a day.
    public static func afterFailure(count: Int) -> TimeInterval {
        bounded(shortest * pow(2, Double(min(max(count - 1, 0), 10))))
    }

    static func bounded(_ interval: TimeInterval) -> TimeInterval {
        guard interval.isFinite else { return longest }
        return min(max(interval, shortest), longest)
    }
}
