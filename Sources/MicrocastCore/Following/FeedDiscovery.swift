import Foundation
import HTMLKit

/// How a followed source publishes its posts.
public enum FeedFormat: String, Sendable, Codable, CaseIterable {
    /// Microformats on the page itself (an `h-feed`, or `h-entry` items at the top).
    case hFeed = "h-feed"
    case rss
    case atom
    case jsonFeed = "json-feed"
    /// A fediverse account: its posts come to the site's inbox once our
    /// `Follow` is accepted; nothing is polled (the feed's URL is the actor's id).
    case activityPub = "activitypub"

    /// The formats a page's `<link rel="alternate">` may name, in the order we prefer them.
    static let alternates: [(format: FeedFormat, types: Set<String>)] = [
        (.rss, ["application/rss+xml"]),
        (.atom, ["application/atom+xml"]),
        (.jsonFeed, ["application/feed+json", "application/json"]),
    ]
}

/// A feed found at an address: where it is, what it is, and where it is pushed from.
public struct DiscoveredFeed: Sendable, Equatable, Codable {
    public var url: URL
    public var format: FeedFormat
    /// The WebSub hub that pushes it, when it names one.
    public var hub: URL?
    /// The topic URL the hub knows the feed by (its `rel="self"`), or the feed's own URL.
    public var topic: URL

    public init(url: URL, format: FeedFormat, hub: URL? = nil, topic: URL? = nil) {
        self.url = url
        self.format = format
        self.hub = hub
        self.topic = topic ?? url
    }
}

/// What a fetched address is: a feed, a page that names its feed elsewhere,
/// or nothing we can follow. Pure: the caller fetches (through the safe
/// fetcher) and hands over what came back.
public enum FeedDiscovery {
    /// What discovery decided about one response.
    public enum Outcome: Sendable, Equatable {
        /// The response is the feed.
        case feed(DiscoveredFeed)
        /// A page whose feed is at another address, to be fetched next.
        case alternate(URL, FeedFormat)
        /// Nothing to follow, and why (shown to the owner).
        case nothing(String)
    }

    /// Reads a response. `url` is the final address after redirects; `linkHeaders`
    /// are the response's `Link` fields (a hub may be named only there).
    public static func discover(url: URL, contentType: String?, linkHeaders: [String], body: Data) -> Outcome {
        let links = LinkHeaderValue.parse(linkHeaders)
        let headerHub = links.first { $0.relations.contains("hub") }.flatMap { resolve($0.target, against: url) }
        let headerSelf = links.first { $0.relations.contains("self") }.flatMap { resolve($0.target, against: url) }
        let type = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""

        if let feed = xmlFeed(url: url, body: body, type: type) {
            return .feed(DiscoveredFeed(url: url, format: feed.format, hub: headerHub ?? feed.hub, topic: headerSelf ?? feed.topic))
        }
        if let hubs = jsonFeedHubs(body: body, type: type) {
            let hub = headerHub ?? hubs.hub.flatMap { resolve($0, against: url) }
            return .feed(DiscoveredFeed(url: url, format: .jsonFeed, hub: hub, topic: headerSelf ?? hubs.topic.flatMap { resolve($0, against: url) }))
        }
        guard type.isEmpty || type == "text/html" || type == "application/xhtml+xml" else {
            return .nothing("\(type) is neither a web page nor a feed")
        }
        let html = String(decoding: body, as: UTF8.self)
        let document = HTMLParser.parseDocument(html)
        let microformats = MF2Parser.parse(document: document, url: url)
        let pageHub = headerHub ?? microformats.rels["hub"]?.first.flatMap { resolve($0, against: url) }
        let pageSelf = headerSelf ?? microformats.rels["self"]?.first.flatMap { resolve($0, against: url) }
        if microformats.items.contains(where: { $0.has(type: "h-feed") || $0.has(type: "h-entry") })
            || microformats.allItems.contains(where: { $0.has(type: "h-feed") })
        {
            return .feed(DiscoveredFeed(url: url, format: .hFeed, hub: pageHub, topic: pageSelf))
        }
        let alternates = document.descendants().filter { $0.name == "link" && $0.relations.contains("alternate") }
        for (format, types) in FeedFormat.alternates {
            // The first of this format that is an http(s) address other than the page itself.
            let found = alternates.lazy
                .filter { types.contains(($0[attribute: "type"] ?? "").lowercased().trimmingCharacters(in: .whitespaces)) }
                .compactMap { $0[attribute: "href"].flatMap { resolve($0, against: url) } }
                .first { $0 != url }
            if let found { return .alternate(found, format) }
        }
        return .nothing("the page has no h-feed and names no RSS, Atom or JSON Feed")
    }

    /// An RSS or Atom document, with the hub and self links it carries (`atom:link`).
    static func xmlFeed(url: URL, body: Data, type: String) -> (format: FeedFormat, hub: URL?, topic: URL?)? {
        guard type.contains("xml") || type.isEmpty || type == "text/plain" || startsLikeXML(body) else { return nil }
        guard let root = try? XMLTree.parse(body) else { return nil }
        let format: FeedFormat
        let holder: XMLTree
        if root.name == "rss", let channel = root.first("channel") {
            format = .rss
            holder = channel
        } else if root.name == "feed", XMLNamespace.atom.matches(root.namespace) {
            format = .atom
            holder = root
        } else {
            return nil
        }
        let links = holder.all("link", in: .atom)
        func link(_ relation: String) -> URL? {
            links.first { ($0.attributes["rel"] ?? "").split(separator: " ").contains(Substring(relation)) }
                .flatMap { $0.attributes["href"] }.flatMap { resolve($0, against: url) }
        }
        return (format, link("hub"), link("self"))
    }

    /// A JSON Feed's WebSub hub and its `feed_url`, when the body is a JSON Feed.
    static func jsonFeedHubs(body: Data, type: String) -> (hub: String?, topic: String?)? {
        guard type.contains("json") || body.first(where: { !$0.isWhitespaceByte }) == UInt8(ascii: "{") else { return nil }
        guard case .object(let feed)? = try? JSONDecoder().decode(JSONValue.self, from: body),
            feed["version"]?.stringValue?.hasPrefix("https://jsonfeed.org/version/") == true
        else { return nil }
        var hub: String?
        if case .array(let hubs)? = feed["hubs"] {
            hub =
                hubs.compactMap { value -> String? in
                    guard case .object(let fields) = value, fields["type"]?.stringValue?.lowercased() == "websub" else { return nil }
                    return fields["url"]?.stringValue
                }.first
        }
        return (hub, feed["feed_url"]?.stringValue)
    }

    static func startsLikeXML(_ body: Data) -> Bool {
        body.prefix(512).first(where: { !$0.isWhitespaceByte && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }) == UInt8(ascii: "<")
            && !String(decoding: body.prefix(512), as: UTF8.self).lowercased().contains("<html")
    }

    /// An http(s) address, resolved against the page; anything else is not followed.
    static func resolve(_ href: String, against base: URL) -> URL? {
        let trimmed = href.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, let url = URL(string: trimmed, relativeTo: base)?.absoluteURL,
            LinkPolicy.isRenderable(url.absoluteString)
        else { return nil }
        return url
    }
}

extension UInt8 {
    fileprivate var isWhitespaceByte: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
}
