import Foundation

/// A show as another host's feed describes it.
public struct ImportedShow: Sendable, Equatable {
    /// An Apple Podcasts category, with its subcategory.
    public struct Category: Sendable, Equatable {
        public var name: String
        public var subcategory: String?
    }

    public var title: String
    public var description: String
    public var author: String?
    public var ownerName: String?
    public var ownerEmail: String?
    public var language: String?
    public var categories: [Category]
    public var explicit: Bool?
    /// `episodic` or `serial`.
    public var type: String?
    public var website: URL?
    public var artwork: URL?
    public var fundingURL: URL?
    public var fundingText: String?
    /// `podcast:guid`, kept so the show stays the same show in the index.
    public var guid: String?
    /// `podcast:locked`: the owner asked that no other platform import the feed.
    public var locked: Bool
    /// The e-mail the lock names (`owner="…"`), who may still move the show.
    public var lockOwner: String?
    /// `itunes:new-feed-url`: the show has moved there.
    public var newFeedURL: URL?
}

/// One episode of an imported feed.
public struct ImportedEpisode: Sendable, Equatable {
    /// The episode's file as the feed declares it.
    public struct Enclosure: Sendable, Equatable {
        public var url: URL
        /// As declared; hosts often get it wrong, so it is never trusted.
        public var length: Int64?
        public var mimeType: String?
    }

    /// A `podcast:transcript`.
    public struct Transcript: Sendable, Equatable {
        public var url: URL
        public var mimeType: String
        public var language: String?
    }

    /// The item's `guid` exactly as written, or its enclosure's URL when it
    /// has none (what podcast apps then know it by).
    public var guid: String
    public var title: String
    public var published: Date?
    public var link: URL?
    /// Show notes: sanitised HTML, links made absolute.
    public var notesHTML: String
    public var season: Int?
    public var episode: Int?
    /// `full`, `trailer` or `bonus`.
    public var episodeType: String?
    public var explicit: Bool?
    public var artwork: URL?
    public var enclosure: Enclosure?
    public var chapters: URL?
    public var transcripts: [Transcript]
    /// `itunes:duration` in seconds, in whichever form the feed wrote it.
    public var duration: Double?
}

/// A podcast feed read for import: the show, and its episodes oldest first.
public struct ImportedPodcast: Sendable, Equatable {
    public var show: ImportedShow
    public var episodes: [ImportedEpisode]
    /// Items left out, with why (an item with no enclosure is not an episode).
    public var skipped: [String]
}

/// `itunes:duration` as hosts write it: seconds (`3725`, `3725.5`),
/// `MM:SS` or `HH:MM:SS`.
public enum ITunesDuration {
    public static func seconds(_ text: String) -> Double? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var total = 0.0
        for (index, part) in parts.enumerated() {
            // Only the last part may have a fraction; earlier ones are whole minutes or hours.
            guard let value = Double(part), value >= 0, value.isFinite, index == parts.count - 1 || value == value.rounded() else { return nil }
            if index > 0 && value >= 60 { return nil }
            total = total * 60 + value
        }
        return total
    }
}
