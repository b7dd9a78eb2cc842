import Foundation
import HTMLKit

/// Reads a podcast's RSS feed as the big hosts write it (Libsyn, Buzzsprout,
/// Anchor, Transistor, Castopod): the iTunes and Podcasting 2.0 tags, show
/// notes in `content:encoded` or `description` (often CDATA), enclosures
/// with wrong or missing lengths, durations in any of their forms.
public struct PodcastFeedReader {
    /// The feed's own URL (after redirects): relative links resolve against it.
    public let feedURL: URL
    private let dates = RFC822Dates()

    public init(feedURL: URL) { self.feedURL = feedURL }

    /// Why a feed was not read.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case notAPodcastFeed(String)

        public var description: String {
            switch self {
            case .unreadable(let reason): "the feed cannot be read: \(reason)"
            case .notAPodcastFeed(let found): "not an RSS feed (its root element is <\(found)>)"
            }
        }
    }

    public func read(_ data: Data) throws(Failure) -> ImportedPodcast {
        let root: XMLTree
        do {
            root = try XMLTree.parse(data)
        } catch {
            throw .unreadable(error.description)
        }
        guard root.name == "rss", let channel = root.first("channel") else { throw .notAPodcastFeed(root.name) }
        var skipped: [String] = []
        var episodes: [ImportedEpisode] = []
        var seen = Set<String>()
        for (index, item) in channel.all("item", in: .rss).enumerated() {
            guard let episode = episode(item, channel: channel) else {
                skipped.append("item \(index + 1) (\(item.value("title") ?? "untitled")): no audio or video enclosure")
                continue
            }
            guard seen.insert(episode.guid).inserted else {
                skipped.append("\(episode.title): its guid \(episode.guid) is another item's too; the first is kept")
                continue
            }
            episodes.append(episode)
        }
        // Oldest first, so posts are made in the order they were published; undated items keep their place.
        let ordered = episodes.enumerated().sorted { a, b in
            switch (a.element.published, b.element.published) {
            case (let x?, let y?) where x != y: x < y
            default: a.offset > b.offset
            }
        }.map(\.element)
        return ImportedPodcast(show: show(channel), episodes: ordered, skipped: skipped)
    }

    func show(_ channel: XMLTree) -> ImportedShow {
        let owner = channel.first("owner", in: .itunes)
        let lock = channel.first("locked", in: .podcast)
        let funding = channel.first("funding", in: .podcast)
        let categories = channel.all("category", in: .itunes).compactMap { element -> ImportedShow.Category? in
            guard let name = element.attributes["text"], !name.isEmpty else { return nil }
            return ImportedShow.Category(name: name, subcategory: element.first("category", in: .itunes)?.attributes["text"])
        }
        let image = channel.first("image", in: .itunes)?.attributes["href"] ?? channel.first("image", in: .rss)?.value("url")
        return ImportedShow(
            title: channel.value("title", in: .rss) ?? "Untitled show",
            description: plain(channel.value("summary", in: .itunes) ?? channel.value("description", in: .rss) ?? ""),
            author: channel.value("author", in: .itunes),
            ownerName: owner?.value("name", in: .itunes),
            ownerEmail: owner?.value("email", in: .itunes),
            language: channel.value("language", in: .rss),
            categories: categories,
            explicit: channel.value("explicit", in: .itunes).flatMap(Self.explicit),
            type: channel.value("type", in: .itunes).flatMap { ["episodic", "serial"].contains($0) ? $0 : nil },
            website: channel.value("link", in: .rss).flatMap(absolute),
            artwork: image.flatMap(absolute),
            fundingURL: funding?.attributes["url"].flatMap(absolute),
            fundingText: funding.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 },
            guid: channel.value("guid", in: .podcast),
            locked: lock?.text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == "yes",
            lockOwner: lock?.attributes["owner"].flatMap { $0.isEmpty ? nil : $0 },
            newFeedURL: channel.value("new-feed-url", in: .itunes).flatMap(absolute)
        )
    }

    func episode(_ item: XMLTree, channel: XMLTree) -> ImportedEpisode? {
        guard let enclosure = item.all("enclosure", in: .rss).compactMap(enclosure).first else { return nil }
        let link = item.value("link", in: .rss).flatMap(absolute)
        let notes = item.value("encoded", in: .content) ?? item.value("description", in: .rss) ?? item.value("summary", in: .itunes) ?? ""
        func number(_ name: String, _ namespace: XMLNamespace) -> Int? {
            item.value(name, in: namespace).flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
        }
        let transcripts = item.all("transcript", in: .podcast).compactMap { element -> ImportedEpisode.Transcript? in
            guard let url = element.attributes["url"].flatMap(absolute), let type = element.attributes["type"] else { return nil }
            return ImportedEpisode.Transcript(url: url, mimeType: type.lowercased(), language: element.attributes["language"])
        }
        return ImportedEpisode(
            // As written (apps compare guids byte for byte), without the white space around it.
            guid: item.value("guid", in: .rss) ?? enclosure.url.absoluteString,
            title: item.value("title", in: .rss) ?? item.value("title", in: .itunes) ?? "Untitled episode",
            published: item.value("pubDate", in: .rss).flatMap(dates.parse),
            link: link,
            notesHTML: HTMLSanitizer.content.resolvingLinks(against: link ?? feedURL).sanitize(notes),
            season: number("season", .itunes) ?? number("season", .podcast),
            episode: number("episode", .itunes) ?? number("episode", .podcast),
            episodeType: item.value("episodeType", in: .itunes).map { $0.lowercased() }.flatMap {
                ["full", "trailer", "bonus"].contains($0) ? $0 : nil
            },
            explicit: item.value("explicit", in: .itunes).flatMap(Self.explicit),
            artwork: item.first("image", in: .itunes)?.attributes["href"].flatMap(absolute),
            enclosure: enclosure,
            chapters: item.first("chapters", in: .podcast)?.attributes["url"].flatMap(absolute),
            transcripts: transcripts,
            duration: item.value("duration", in: .itunes).flatMap(ITunesDuration.seconds)
        )
    }

    func enclosure(_ element: XMLTree) -> ImportedEpisode.Enclosure? {
        guard let url = element.attributes["url"].flatMap(absolute) else { return nil }
        let type = element.attributes["type"]?.lowercased()
        // An image "enclosure" is artwork some hosts add; an episode is sound or pictures that move.
        if let type, !type.isEmpty, !type.hasPrefix("audio/"), !type.hasPrefix("video/"), type != "application/octet-stream" { return nil }
        let length = element.attributes["length"].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0 > 0 ? $0 : nil }
        return ImportedEpisode.Enclosure(url: url, length: length, mimeType: type)
    }

    /// An http(s) URL, relative ones resolved against the feed's.
    func absolute(_ text: String) -> URL? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = URL(string: trimmed, relativeTo: feedURL)?.absoluteURL, LinkPolicy.isRenderable(url.absoluteString) else { return nil }
        return url
    }

    /// A description's words, without markup (the show's description is plain text here).
    func plain(_ text: String) -> String {
        text.contains("<") ? PostBuilder.stripTags(HTMLSanitizer.content.sanitize(text)) : text
    }

    /// `yes`, `true` and `explicit` are explicit; `no`, `false` and `clean` are not.
    static func explicit(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "true", "explicit": true
        case "no", "false", "clean": false
        default: nil
        }
    }
}

/// RFC 822 dates as feeds write them: with or without the weekday, with a
/// numeric zone or a name (`GMT`, `EST`), two- or four-digit years; an ISO
/// 8601 date, which some hosts write instead, is read too.
final class RFC822Dates: @unchecked Sendable {
    // Built once per feed, used on one thread: a feed of years of episodes parses hundreds of dates.
    private let formatters: [DateFormatter] = [
        "d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm Z", "d MMM yyyy HH:mm zzz", "d MMM yy HH:mm:ss Z",
        "d MMM yy HH:mm:ss zzz", "d MMM yyyy",
    ].map { pattern in
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = pattern
        return formatter
    }

    func parse(_ text: String) -> Date? {
        guard let ascii = DateText.asciiForParsing(text) else { return nil }
        var trimmed = ascii.trimmingCharacters(in: .whitespaces)
        // The weekday adds nothing and is sometimes wrong; "Tue," or "Tuesday," is dropped.
        if let comma = trimmed.firstIndex(of: ","), trimmed[..<comma].allSatisfy(\.isLetter) {
            trimmed = trimmed[trimmed.index(after: comma)...].trimmingCharacters(in: .whitespaces)
        }
        trimmed = trimmed.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for formatter in formatters {
            if let date = formatter.date(from: trimmed) { return date }
        }
        return MF2Date.parse(ascii)
    }
}
