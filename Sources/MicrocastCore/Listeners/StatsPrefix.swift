import Foundation

/// The stats prefix: for a site whose files a CDN serves (a static export),
/// episode enclosures point at `COUNTER/dl/PATH`, which Microcast counts and
/// answers with a redirect to `FILES/PATH`, as hosted podcast-stats services do.
///
/// A listener's app keeps the enclosure URL it saw, so switching the prefix
/// must not change the URL of an episode already out: it applies to episodes
/// published while it is on. Each switch is recorded as a period; an episode
/// published inside one keeps the prefixed URL for good (the `/dl/` route
/// keeps answering after the prefix is switched off), and every other keeps
/// the plain one.
public struct StatsPrefix: Sendable, Equatable {
    /// The counting server's base URL (no trailing slash).
    public var counter: String
    /// Where `/dl/PATH` sends listeners: the files' base URL (the CDN's), or nil for the counting server's own.
    public var files: String?
    /// When the prefix was on; an open period has no end.
    public var periods: [Period]

    /// A stretch of time the prefix was on.
    public struct Period: Sendable, Equatable {
        public var from: Date
        public var until: Date?

        public init(from: Date, until: Date?) {
            self.from = from
            self.until = until
        }

        func contains(_ date: Date) -> Bool { date >= from && until.map { date < $0 } ?? true }
    }

    public init(counter: String, files: String?, periods: [Period]) {
        self.counter = Self.trimmed(counter)
        self.files = files.map(Self.trimmed)
        self.periods = periods
    }

    /// The prefix as stored, or nil if it was never switched on.
    public init?(settings: Settings) {
        guard let counter = settings[.listenerPrefix], !counter.isEmpty else { return nil }
        let periods = (settings[.listenerPrefixPeriods] ?? "").split(separator: "\n").compactMap { line -> Period? in
            let parts = line.split(separator: " ")
            guard let from = parts.first.flatMap({ Self.dateFormat.date(from: String($0)) }) else { return nil }
            let until = parts.count > 1 ? Self.dateFormat.date(from: String(parts[1])) : nil
            return Period(from: from, until: until)
        }
        self.init(counter: counter, files: settings[.listenerFiles], periods: periods)
    }

    public var isOn: Bool { periods.last.map { $0.until == nil } ?? false }

    /// The settings that switch it on now (a new period, unless one is open).
    public static func switchedOn(_ current: StatsPrefix?, counter: String, files: String?, at now: Date) -> [SettingKey: String?] {
        var periods = current?.periods ?? []
        if current?.isOn != true { periods.append(Period(from: now, until: nil)) }
        return [
            .listenerPrefix: trimmed(counter),
            .listenerFiles: files.map(trimmed),
            .listenerPrefixPeriods: text(periods),
        ]
    }

    /// The settings that switch it off now; episodes published while it was on keep their prefixed URLs.
    public static func switchedOff(_ current: StatsPrefix, at now: Date) -> [SettingKey: String?] {
        var periods = current.periods
        if let last = periods.indices.last, periods[last].until == nil { periods[last].until = now }
        return [.listenerPrefixPeriods: text(periods)]
    }

    /// Whether an episode published at `published` is enclosed through the prefix.
    public func encloses(published: Date) -> Bool { periods.contains { $0.contains(published) } }

    /// The enclosure URL a feed gives for one of our files: prefixed if the
    /// episode was published while the prefix was on.
    public func enclosureURL(_ url: String, published: Date, site: SiteURLs) -> String {
        guard encloses(published: published), let path = site.path(ofOwnURL: url) else { return url }
        return counter + "/dl" + path
    }

    /// Prefixed enclosures for every item that needs them.
    public func apply(to items: [FeedItem], site: SiteURLs) -> [FeedItem] {
        items.map { item in
            var item = item
            if let url = item.enclosure?.url { item.enclosure?.url = enclosureURL(url, published: item.published, site: site) }
            for index in item.alternates.indices {
                item.alternates[index].url = enclosureURL(item.alternates[index].url, published: item.published, site: site)
            }
            return item
        }
    }

    /// Where `/dl/PATH` sends a listener.
    public func target(path: String, site: SiteURLs) -> String { (files ?? site.base) + path }

    static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    static func text(_ periods: [Period]) -> String {
        periods.map { period in
            dateFormat.string(from: period.from) + (period.until.map { " " + dateFormat.string(from: $0) } ?? "")
        }.joined(separator: "\n")
    }

    static var dateFormat: ISO8601DateFormatter {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return format
    }
}

extension SiteURLs {
    /// The path of one of our own URLs (under the base or an earlier one), or nil for anyone else's.
    public func path(ofOwnURL url: String) -> String? {
        for root in [base] + aliases where url.hasPrefix(root + "/") {
            return String(url.dropFirst(root.count))
        }
        return nil
    }
}
