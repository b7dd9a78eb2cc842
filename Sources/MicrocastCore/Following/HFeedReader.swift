import Foundation
import HTMLKit

/// A page's `h-feed` (or its top-level `h-entry` items, which the h-feed
/// specification treats as an implied feed) as timeline entries.
struct HFeedReader {
    let pageURL: URL

    func read(_ html: String) -> FollowedFeed {
        let document = MF2Parser.parse(html: html, url: pageURL)
        let feed = document.items.first { $0.has(type: "h-feed") } ?? document.allItems.first { $0.has(type: "h-feed") }
        let items = feed.map { $0.children + ($0.properties.values.flatMap { $0 }.compactMap(\.item)) } ?? document.items
        let feedAuthor = feed.flatMap { author($0.properties["author"]?.first) }
        let entries = items.filter { $0.has(type: "h-entry") }.compactMap { entry(from: $0, feedAuthor: feedAuthor) }
        return FollowedFeed(title: feed?.first("name").flatMap(text), homePage: pageURL, entries: entries)
    }

    func entry(from item: MF2Item, feedAuthor: TimelineEntry.Author?) -> TimelineEntry? {
        let url = item.first("url").flatMap(address)
        guard let id = item.first("uid").flatMap(text) ?? url?.absoluteString else { return nil }
        var contentHTML: String?
        var contentText = ""
        if case .html(let html, let plain)? = item.properties["content"]?.first {
            contentHTML = HTMLSanitizer.remote.resolvingLinks(against: url ?? pageURL).sanitize(html)
            contentText = plain
        } else if let summary = item.first("summary").flatMap(text) {
            contentHTML = HTML.escape(summary)
            contentText = summary
        }
        return TimelineEntry(
            id: id,
            url: url,
            title: title(item.first("name"), content: contentText),
            contentHTML: contentHTML,
            published: item.first("published").flatMap(MF2Date.parse),
            author: author(item.properties["author"]?.first) ?? feedAuthor,
            photos: (item.properties["photo"] ?? []).compactMap { address($0.plain) },
            attachments: (item.properties["audio"] ?? []).compactMap { address($0.plain).map { .init(kind: .audio, url: $0) } }
                + (item.properties["video"] ?? []).compactMap { address($0.plain).map { .init(kind: .video, url: $0) } },
            inReplyTo: item.properties["in-reply-to"]?.first.flatMap { value in address(value.item?.first("url") ?? value.plain) }
        )
    }

    /// A note's implied name is its whole text: it is a title only when it is not the content over again.
    func title(_ name: String?, content: String) -> String? {
        guard let name = name.flatMap(text) else { return nil }
        let squeeze = { (text: String) in text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let words = squeeze(name)
        let body = squeeze(content)
        if !body.isEmpty, body.hasPrefix(words) || words.hasPrefix(body) { return nil }
        return words
    }

    func author(_ value: MF2Value?) -> TimelineEntry.Author? {
        guard let value else { return nil }
        let result: TimelineEntry.Author
        if let card = value.item {
            result = .init(
                name: card.first("name").flatMap(text),
                url: card.first("url").flatMap(address),
                photo: card.properties["photo"]?.first.flatMap { address($0.plain) }
            )
        } else if let url = address(value.plain), value.plain.lowercased().hasPrefix("http") {
            result = .init(url: url)
        } else {
            result = .init(name: text(value.plain))
        }
        return result.isEmpty ? nil : result
    }

    func address(_ text: String) -> URL? { FeedDiscovery.resolve(text, against: pageURL) }

    func text(_ value: String) -> String? {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
