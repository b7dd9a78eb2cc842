import Foundation
import HTMLKit

/// What a verified source says about our post: the response's kind, author,
/// text and date, from its microformats2.
public struct MentionReading: Sendable, Equatable {
    public var kind: MentionKind
    public var author: MentionAuthor
    public var contentHTML: String
    public var published: Date?
    public var url: String

    public init(kind: MentionKind, author: MentionAuthor, contentHTML: String, published: Date?, url: String) {
        self.kind = kind
        self.author = author
        self.contentHTML = contentHTML
        self.published = published
        self.url = url
    }
}

/// Reads a fetched source page: does it link the target (a link, an
/// embedded media source, or an mf2 response property), and if so what is
/// it. Pure: the fetching is the worker's.
public enum MentionReader {
    /// The longest reply text kept, in characters of text; longer ones end with an ellipsis and a link.
    public static let maxContentCharacters = 1_000

    /// nil when the source does not link the target.
    public static func read(html: String, source: URL, target: URL) -> MentionReading? {
        let document = HTMLParser.parseDocument(html)
        let mf2 = MF2Parser.parse(document: document, url: source)
        let wanted = WebmentionRequest.normalised(target)
        guard linksTarget(document, mf2: mf2, base: source, wanted: wanted) else { return nil }

        let entries = mf2.allItems.filter { $0.has(type: "h-entry") }
        let entry = entries.first { responseKind($0, wanted: wanted) != nil } ?? entries.first
        guard let entry else {
            return MentionReading(
                kind: .mention,
                author: MentionAuthor(url: source.absoluteString),
                contentHTML: "",
                published: nil,
                url: source.absoluteString
            )
        }
        return MentionReading(
            kind: responseKind(entry, wanted: wanted) ?? .mention,
            author: author(of: entry, in: mf2, source: source),
            contentHTML: content(of: entry),
            published: entry.first("published").flatMap(MF2Date.parse),
            url: entry.first("url").flatMap { URL(string: $0) }.map(\.absoluteString) ?? source.absoluteString
        )
    }

    /// Plain-text sources (anything not HTML): the target's URL must appear in the text.
    public static func textLinks(_ text: String, target: URL) -> Bool {
        text.contains(target.absoluteString)
    }

    static func linksTarget(_ document: HTMLElement, mf2: MF2Document, base: URL, wanted: String) -> Bool {
        for element in document.descendants() {
            let attribute: String? =
                switch element.name {
                case "a", "area", "link": "href"
                case "img", "audio", "video", "source", "iframe": "src"
                default: nil
                }
            guard let attribute, let value = element[attribute: attribute], let url = URL(string: value, relativeTo: base) else { continue }
            if WebmentionRequest.normalised(url.absoluteURL) == wanted { return true }
        }
        return mf2.allItems.contains { responseKind($0, wanted: wanted) != nil }
    }

    /// The kind of response `entry` is to the wanted URL, by the property that names it.
    static func responseKind(_ entry: MF2Item, wanted: String) -> MentionKind? {
        let properties: [(String, MentionKind)] = [
            ("in-reply-to", .reply), ("like-of", .like), ("repost-of", .repost), ("bookmark-of", .bookmark),
        ]
        for (property, kind) in properties {
            let urls = (entry.properties[property] ?? []).map { value -> String in
                if let item = value.item { return item.first("url") ?? item.value ?? "" }
                return value.plain
            }
            if urls.contains(where: { WebmentionRequest.normalised($0) == wanted }) { return kind }
        }
        return nil
    }

    /// The authorship algorithm (https://indieweb.org/authorship-spec), without
    /// fetching an author page: the entry's `author` (an h-card, or a name or
    /// URL), else its h-feed's author, else the page's `rel=author`, else the
    /// page's h-card whose URL is the page's.
    public static func author(of entry: MF2Item, in document: MF2Document, source: URL) -> MentionAuthor {
        var candidate = entry.properties["author"]?.first
        if candidate == nil {
            let feeds = document.allItems.filter { $0.has(type: "h-feed") && $0.children.contains(entry) }
            candidate = feeds.first?.properties["author"]?.first
        }
        switch candidate {
        case .item(let card)?:
            return authorCard(card, source: source)
        case let value?:
            let text = value.plain
            if let url = URL(string: text), url.scheme?.hasPrefix("http") == true {
                // A URL: the h-card on the page with that URL, if there is one.
                if let card = document.allItems.first(where: { $0.has(type: "h-card") && $0.strings("url").contains(text) }) {
                    return authorCard(card, source: source)
                }
                return MentionAuthor(name: url.host ?? text, url: text)
            }
            return MentionAuthor(name: text, url: "")
        case nil:
            if let rel = document.rels["author"]?.first,
                let card = document.allItems.first(where: { $0.has(type: "h-card") && $0.strings("url").contains(rel) })
            {
                return authorCard(card, source: source)
            }
            if let card = document.items.first(where: { $0.has(type: "h-card") }) { return authorCard(card, source: source) }
            return MentionAuthor(name: source.host ?? "", url: source.absoluteString)
        }
    }

    static func authorCard(_ card: MF2Item, source: URL) -> MentionAuthor {
        let url = card.first("url") ?? ""
        let name = card.first("name") ?? URL(string: url)?.host ?? ""
        return MentionAuthor(name: String(name.prefix(100)), url: url, remotePhoto: card.first("photo") ?? "")
    }

    /// The reply's text: its `e-content` sanitised for strangers' text (no
    /// images, links marked `ugc`), else its summary or name as text; cut at
    /// `maxContentCharacters`.
    static func content(of entry: MF2Item) -> String {
        for value in entry.properties["content"] ?? [] {
            if case .html(let html, let text) = value {
                if text.count > maxContentCharacters { return HTML.escape(String(text.prefix(maxContentCharacters)) + "…") }
                return HTMLSanitizer.remote.sanitize(html)
            }
            let text = value.plain
            if !text.isEmpty { return HTML.escape(String(text.prefix(maxContentCharacters))) }
        }
        if let summary = entry.first("summary") ?? entry.first("name") {
            return HTML.escape(String(summary.prefix(maxContentCharacters)))
        }
        return ""
    }
}

/// Dates as pages write them in `dt-published`: ISO 8601 and the forms
/// microformats allow (a space for `T`, zones with or without a colon, no seconds, a date alone).
public enum MF2Date {
    public static func parse(_ text: String) -> Date? {
        guard let text = DateText.asciiForParsing(text) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        let formats = [
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM-dd'T'HH:mmXXXXX",
            "yyyy-MM-dd'T'HH:mm:ss.SSSXX", "yyyy-MM-dd'T'HH:mm:ssXX", "yyyy-MM-dd'T'HH:mmXX",
            "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd",
        ]
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }
}
