import Foundation
import HTMLKit

/// Reads a followed feed in any of the formats we follow into timeline
/// entries. Strangers write these: HTML is sanitised for someone else's text
/// (`HTMLSanitizer.remote`, no images inside, links without reputation),
/// addresses that are not http(s) are dropped, and a feed gives at most
/// `limit` entries.
public struct FeedEntriesReader {
    /// The feed's address after redirects: relative links resolve against it.
    public let feedURL: URL
    public let limit: Int

    public init(feedURL: URL, limit: Int = 200) {
        self.feedURL = feedURL
        self.limit = limit
    }

    /// Why a feed gave nothing.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public func read(_ data: Data, format: FeedFormat) throws(Failure) -> FollowedFeed {
        let feed: FollowedFeed
        switch format {
        case .rss, .atom:
            let root: XMLTree
            do {
                root = try XMLTree.parse(data)
            } catch {
                throw Failure(description: "the feed cannot be read: \(error.description)")
            }
            if format == .rss {
                guard root.name == "rss", let channel = root.first("channel") else { throw Failure(description: "not an RSS feed") }
                feed = rss(channel)
            } else {
                guard root.name == "feed" else { throw Failure(description: "not an Atom feed") }
                feed = atom(root)
            }
        case .jsonFeed:
            guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
                throw Failure(description: "not a JSON Feed")
            }
            feed = jsonFeed(object)
        case .hFeed:
            feed = HFeedReader(pageURL: feedURL).read(String(decoding: data, as: UTF8.self))
        case .activityPub:
            throw Failure(description: "a fediverse account is not read as a feed: its posts come to the inbox")
        }
        var seen = Set<String>()
        let unique = feed.entries.filter { seen.insert($0.id).inserted }
        let newestFirst = unique.enumerated().sorted { a, b in
            switch (a.element.published, b.element.published) {
            case (let x?, let y?) where x != y: x > y
            default: a.offset < b.offset
            }
        }.map(\.element)
        return FollowedFeed(title: feed.title, homePage: feed.homePage, entries: Array(newestFirst.prefix(limit)))
    }

    // MARK: RSS 2.0

    func rss(_ channel: XMLTree) -> FollowedFeed {
        let dates = RFC822Dates()
        let home = channel.value("link", in: .rss).flatMap(address)
        let feedAuthor = TimelineEntry.Author(
            name: text(channel.value("title", in: .rss)),
            url: home,
            photo: channel.first("image")?.value("url").flatMap(address)
        )
        let entries = channel.all("item", in: .rss).prefix(limit * 2).compactMap { item -> TimelineEntry? in
            let link = item.value("link", in: .rss).flatMap(address)
            guard let id = text(item.value("guid", in: .rss)) ?? link?.absoluteString else { return nil }
            let html = text(item.value("encoded", in: .content)) ?? text(item.value("description", in: .rss))
            var entry = TimelineEntry(
                id: id,
                url: link,
                title: text(item.value("title", in: .rss)),
                contentHTML: html.map { sanitize($0, base: link) },
                published: item.value("pubDate", in: .rss).flatMap(dates.parse),
                author: feedAuthor.isEmpty ? nil : feedAuthor
            )
            for enclosure in item.all("enclosure", in: .rss) {
                add(enclosure.attributes["url"], type: enclosure.attributes["type"], length: enclosure.attributes["length"], to: &entry)
            }
            return entry
        }
        return FollowedFeed(title: feedAuthor.name, homePage: home, entries: entries)
    }

    // MARK: Atom (RFC 4287)

    func atom(_ feed: XMLTree) -> FollowedFeed {
        func alternate(_ node: XMLTree) -> URL? {
            node.all("link", in: .atom).first { ($0.attributes["rel"] ?? "alternate") == "alternate" }?.attributes["href"].flatMap(address)
        }
        func person(_ node: XMLTree?) -> TimelineEntry.Author? {
            guard let node else { return nil }
            let author = TimelineEntry.Author(name: text(node.value("name", in: .atom)), url: node.value("uri", in: .atom).flatMap(address))
            return author.isEmpty ? nil : author
        }
        let home = alternate(feed)
        let feedAuthor = person(feed.first("author", in: .atom))
        let entries = feed.all("entry", in: .atom).prefix(limit * 2).compactMap { node -> TimelineEntry? in
            let link = alternate(node)
            guard let id = text(node.value("id", in: .atom)) ?? link?.absoluteString else { return nil }
            let body = node.first("content", in: .atom) ?? node.first("summary", in: .atom)
            var entry = TimelineEntry(
                id: id,
                url: link,
                title: text(node.value("title", in: .atom)),
                contentHTML: body.flatMap { atomHTML($0, base: link) },
                published: (node.value("published", in: .atom) ?? node.value("updated", in: .atom)).flatMap(MF2Date.parse),
                author: person(node.first("author", in: .atom)) ?? feedAuthor
            )
            for enclosure in node.all("link", in: .atom) where enclosure.attributes["rel"] == "enclosure" {
                add(enclosure.attributes["href"], type: enclosure.attributes["type"], length: enclosure.attributes["length"], to: &entry)
            }
            return entry
        }
        return FollowedFeed(title: text(feed.value("title", in: .atom)), homePage: home, entries: entries)
    }

    /// Atom text constructs: `html` is escaped HTML; `text` (the default) is
    /// plain, and so, here, is `xhtml`'s inline markup (its words kept, its
    /// elements not: the tree keeps no order between text and elements).
    func atomHTML(_ node: XMLTree, base: URL?) -> String? {
        switch node.attributes["type"] ?? "text" {
        case "html": text(node.text).map { sanitize($0, base: base) }
        case "xhtml": text(allText(node)).map { sanitize(HTML.escape($0), base: base) }
        default: text(node.text).map { sanitize(HTML.escape($0), base: base) }
        }
    }

    func allText(_ node: XMLTree) -> String {
        ([node.text] + node.children.map(allText)).joined(separator: " ")
    }

    // MARK: JSON Feed 1.0 and 1.1

    func jsonFeed(_ feed: [String: JSONValue]) -> FollowedFeed {
        func person(_ value: JSONValue?) -> TimelineEntry.Author? {
            guard let fields = value?.objectValue else { return nil }
            let author = TimelineEntry.Author(
                name: text(fields["name"]?.stringValue),
                url: fields["url"]?.stringValue.flatMap(address),
                photo: fields["avatar"]?.stringValue.flatMap(address)
            )
            return author.isEmpty ? nil : author
        }
        let feedAuthor = person(feed["authors"]?.arrayValue?.first) ?? person(feed["author"])
        let items = feed["items"]?.arrayValue ?? []
        let entries = items.prefix(limit * 2).compactMap { value -> TimelineEntry? in
            guard let item = value.objectValue else { return nil }
            let link = item["url"]?.stringValue.flatMap(address)
            var id = text(item["id"]?.stringValue)
            if id == nil, case .integer(let number)? = item["id"] { id = String(number) }
            guard let key = id ?? link?.absoluteString else { return nil }
            let html = text(item["content_html"]?.stringValue) ?? text(item["content_text"]?.stringValue).map(HTML.escape)
            var entry = TimelineEntry(
                id: key,
                url: link,
                title: text(item["title"]?.stringValue),
                contentHTML: html.map { sanitize($0, base: link) },
                published: item["date_published"]?.stringValue.flatMap(MF2Date.parse),
                author: person(item["authors"]?.arrayValue?.first) ?? person(item["author"]) ?? feedAuthor,
                photos: item["image"]?.stringValue.flatMap(address).map { [$0] } ?? []
            )
            for attachment in item["attachments"]?.arrayValue ?? [] {
                guard let fields = attachment.objectValue else { continue }
                let length = fields["size_in_bytes"].flatMap { value -> String? in
                    if case .integer(let number) = value { String(number) } else { nil }
                }
                add(fields["url"]?.stringValue, type: fields["mime_type"]?.stringValue, length: length, to: &entry)
            }
            return entry
        }
        return FollowedFeed(title: text(feed["title"]?.stringValue), homePage: feed["home_page_url"]?.stringValue.flatMap(address), entries: entries)
    }

    // MARK: Shared

    /// An enclosure or attachment, as a photo, audio or video by its type; anything else is left out.
    func add(_ href: String?, type: String?, length: String?, to entry: inout TimelineEntry) {
        guard let url = href.flatMap(address) else { return }
        let mime = type?.lowercased().trimmingCharacters(in: .whitespaces)
        let size = length.flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
        switch mime?.split(separator: "/").first {
        case "audio": entry.attachments.append(.init(kind: .audio, url: url, type: mime, length: size))
        case "video": entry.attachments.append(.init(kind: .video, url: url, type: mime, length: size))
        case "image": entry.photos.append(url)
        default: break
        }
    }

    func address(_ text: String) -> URL? { FeedDiscovery.resolve(text, against: feedURL) }

    func sanitize(_ html: String, base: URL?) -> String {
        HTMLSanitizer.remote.resolvingLinks(against: base ?? feedURL).sanitize(html)
    }

    func text(_ value: String?) -> String? {
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}
