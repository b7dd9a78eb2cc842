import Foundation

/// A Podcasting 2.0 chapters file (`application/json+chapters`, version 1.2.0),
/// linked from the feed with `podcast:chapters`.
public struct PodcastChapters: Codable, Sendable, Equatable {
    /// One chapter: where it starts and ends, in seconds, and its title.
    public struct Chapter: Codable, Sendable, Equatable {
        public var startTime: Double
        public var endTime: Double?
        public var title: String

        public init(startTime: Double, endTime: Double?, title: String) {
            self.startTime = startTime
            self.endTime = endTime
            self.title = title
        }
    }

    public var version = "1.2.0"
    public var chapters: [Chapter]

    public init(chapters: [Chapter]) { self.chapters = chapters }

    public static let mimeType = "application/json+chapters"

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }
}
