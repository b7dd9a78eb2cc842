import Foundation

/// When to look again for responses to a copy: often while a post is new,
/// when people answer, then less and less, and not at all after `period`.
/// The wait is half the copy's age, between `first` and `longest`: with the
/// defaults, at 1, 2, 3, 4.5 … minutes, every 6 hours after its first half
/// day, and never after a week: 42 looks in all (see docs/syndication.md).
public struct BackfeedSchedule: Sendable, Equatable {
    public var period: TimeInterval
    public var first: TimeInterval
    public var longest: TimeInterval

    public init(period: TimeInterval = 7 * 86_400, first: TimeInterval = 60, longest: TimeInterval = 6 * 3_600) {
        self.period = period
        self.first = first
        self.longest = longest
    }

    /// The first look at a copy posted at `posted`.
    public func firstLook(posted: Date) -> Date { posted.addingTimeInterval(first) }

    /// The look after one at `now`; nil once the period is over.
    public func nextLook(posted: Date, now: Date) -> Date? {
        let age = max(0, now.timeIntervalSince(posted))
        let next = now.addingTimeInterval(min(longest, max(first, age / 2)))
        return next.timeIntervalSince(posted) <= period ? next : nil
    }

    /// Every look for one copy, in order (for the budget the docs state).
    public func looks(posted: Date) -> [Date] {
        var all = [firstLook(posted: posted)]
        var last = all[0]
        while let next = nextLook(posted: posted, now: last) {
            all.append(next)
            last = next
        }
        return all
    }
}
