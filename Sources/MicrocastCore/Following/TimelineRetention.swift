import Foundation

/// How long the timeline keeps an item: the owner's choice in days, or for ever.
public struct TimelineRetention: Sendable, Equatable {
    /// A fresh site keeps three months: enough to come back from a holiday, not a growing archive of others' posts.
    public static let defaultDays = 90
    /// Nil keeps items for ever.
    public var days: Int?

    public init(days: Int?) { self.days = days }

    /// The setting as stored, the default when none is.
    public init(settings: Settings) {
        switch settings[.timelineRetentionDays] {
        case nil: days = Self.defaultDays
        case "forever": days = nil
        case let text?: days = Int(text).flatMap { $0 > 0 ? $0 : nil } ?? Self.defaultDays
        }
    }

    /// Why a retention was not taken.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// A number of days (1 to 3650), or `forever`.
    public static func parse(_ text: String) throws(Refusal) -> TimelineRetention {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "forever" { return TimelineRetention(days: nil) }
        guard let days = Int(trimmed), (1...3650).contains(days) else {
            throw Refusal(description: "keep items for 1 to 3650 days, or forever")
        }
        return TimelineRetention(days: days)
    }

    /// What the store keeps.
    public var stored: String { days.map(String.init) ?? "forever" }

    /// Items dated before this are forgotten, and not taken in again.
    public func cutoff(now: Date) -> Date? { days.map { now.addingTimeInterval(-Double($0) * 86_400) } }
}
