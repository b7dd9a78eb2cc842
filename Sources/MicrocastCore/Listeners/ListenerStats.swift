import Foundation

/// What the studio's Listeners page and `microcast stats` show, worked out
/// from the stored counts: per episode (its first 7 days, first 30 days, all
/// time), per day for the show, and per app.
public struct ListenerStats: Sendable, Equatable {
    /// One episode: its downloads in its first 7 days, first 30 days, and all time.
    public struct EpisodeRow: Sendable, Equatable {
        public var slug: String
        public var title: String
        public var published: Date
        public var firstWeek: Int
        public var firstMonth: Int
        public var allTime: Int
    }

    /// The show's downloads on one day.
    public struct DayRow: Sendable, Equatable {
        /// `YYYY-MM-DD`.
        public var day: String
        public var downloads: Int

        public init(day: String, downloads: Int) {
            self.day = day
            self.downloads = downloads
        }
    }

    /// One app's downloads.
    public struct AppRow: Sendable, Equatable {
        public var app: ListenerApp
        public var downloads: Int
    }

    /// Newest episode first.
    public var episodes: [EpisodeRow]
    /// Every day of the window, oldest first, zeros included (a chart needs them).
    public var days: [DayRow]
    /// Most downloads first.
    public var apps: [AppRow]
    public var total: Int

    /// An episode as the stats name it.
    public struct Episode: Sendable {
        public var slug: String
        public var title: String
        public var published: Date

        public init(slug: String, title: String, published: Date) {
            self.slug = slug
            self.title = title
            self.published = published
        }
    }

    /// - Parameter days: how many days, ending today, the daily series covers.
    public init(counts: [DownloadCount], episodes: [Episode], today: Date, days window: Int = 30) {
        var perEpisodeDay: [String: [String: Int]] = [:]
        var perDay: [String: Int] = [:]
        var perApp: [ListenerApp: Int] = [:]
        for count in counts {
            perEpisodeDay[count.episode, default: [:]][count.day, default: 0] += count.count
            perDay[count.day, default: 0] += count.count
            perApp[count.app, default: 0] += count.count
        }
        self.episodes = episodes.sorted { $0.published > $1.published }.map { episode in
            let byDay = perEpisodeDay[episode.slug] ?? [:]
            let first = DownloadTally.day(of: episode.published)
            func within(_ days: Int) -> Int {
                let last = DownloadTally.day(of: episode.published.addingTimeInterval(Double(days - 1) * 86_400))
                return byDay.filter { $0.key >= first && $0.key <= last }.values.reduce(0, +)
            }
            return EpisodeRow(
                slug: episode.slug,
                title: episode.title,
                published: episode.published,
                firstWeek: within(7),
                firstMonth: within(30),
                allTime: byDay.values.reduce(0, +)
            )
        }
        self.days = (0..<window).reversed().map { back in
            let day = DownloadTally.day(of: today.addingTimeInterval(-Double(back) * 86_400))
            return DayRow(day: day, downloads: perDay[day] ?? 0)
        }
        self.apps = perApp.map { AppRow(app: $0.key, downloads: $0.value) }.sorted { ($1.downloads, $0.app) < ($0.downloads, $1.app) }
        self.total = counts.reduce(0) { $0 + $1.count }
    }

    /// The daily series as an SVG bar chart, drawn on the server: readable
    /// without script, labelled for screen readers (which also get the table
    /// beside it), sized by its `viewBox` so it scales with the page.
    public var dailyChartSVG: String {
        let width = 640
        let height = 200
        let top = 12
        let bottom = 28
        let left = 36
        let peak = max(1, days.map(\.downloads).max() ?? 1)
        let slot = Double(width - left) / Double(max(1, days.count))
        let plot = Double(height - top - bottom)
        var svg =
            #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(width) \#(height)" role="img" aria-labelledby="chart-title" class="chart">"#
        svg += #"<title id="chart-title">Downloads per day, \#(days.first?.day ?? "") to \#(days.last?.day ?? ""): \#(total) in all</title>"#
        // The scale: zero and the peak.
        svg += #"<text x="\#(left - 6)" y="\#(height - bottom)" text-anchor="end" class="axis">0</text>"#
        svg += #"<text x="\#(left - 6)" y="\#(top + 10)" text-anchor="end" class="axis">\#(peak)</text>"#
        svg += #"<line x1="\#(left)" y1="\#(height - bottom)" x2="\#(width)" y2="\#(height - bottom)" class="baseline"/>"#
        for (index, row) in days.enumerated() {
            let barHeight = plot * Double(row.downloads) / Double(peak)
            let x = Double(left) + Double(index) * slot + slot * 0.15
            let y = Double(height - bottom) - barHeight
            svg +=
                #"<rect x="\#(Self.number(x))" y="\#(Self.number(y))" width="\#(Self.number(slot * 0.7))" height="\#(Self.number(barHeight))" class="bar">"#
            svg += "<title>\(row.day): \(row.downloads)</title></rect>"
        }
        // First and last day under the axis.
        if let first = days.first, let last = days.last {
            svg += #"<text x="\#(left)" y="\#(height - 8)" class="axis">\#(first.day)</text>"#
            svg += #"<text x="\#(width)" y="\#(height - 8)" text-anchor="end" class="axis">\#(last.day)</text>"#
        }
        return svg + "</svg>"
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
