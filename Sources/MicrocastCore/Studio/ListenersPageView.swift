import Foundation

/// The Listeners page: downloads per episode, per day (a chart drawn on the
/// server with its numbers as a table), and per app.
public struct ListenersPageView: Sendable {
    /// One episode's downloads in its first week, first month and all time.
    public struct EpisodeRow: Sendable {
        public var title: String
        public var url: String
        public var published: String
        public var firstWeek: Int
        public var firstMonth: Int
        public var allTime: Int
    }

    /// The show's downloads on one day.
    public struct DayRow: Sendable {
        public var day: String
        public var downloads: Int
    }

    /// One app's downloads and its share of all.
    public struct AppRow: Sendable {
        public var name: String
        public var downloads: Int
        public var share: String
    }

    public var episodes: [EpisodeRow]
    /// Stored, not computed: templates see stored properties only.
    public var hasEpisodes: Bool
    public var days: [DayRow]
    public var chartSVG: String
    public var apps: [AppRow]
    public var hasApps: Bool
    public var total: Int
    public var isCounting: Bool

    public init(_ stats: ListenerStats, postURL: (String) -> String, isCounting: Bool) {
        episodes = stats.episodes.map {
            EpisodeRow(
                title: $0.title,
                url: postURL($0.slug),
                published: DateText.long($0.published),
                firstWeek: $0.firstWeek,
                firstMonth: $0.firstMonth,
                allTime: $0.allTime
            )
        }
        days = stats.days.map { DayRow(day: $0.day, downloads: $0.downloads) }
        chartSVG = stats.dailyChartSVG
        let total = stats.apps.reduce(0) { $0 + $1.downloads }
        apps = stats.apps.map {
            AppRow(name: $0.app.displayName, downloads: $0.downloads, share: total == 0 ? "0%" : "\(($0.downloads * 100 + total / 2) / total)%")
        }
        self.total = stats.total
        self.isCounting = isCounting
        hasEpisodes = !episodes.isEmpty
        hasApps = !apps.isEmpty
    }
}
