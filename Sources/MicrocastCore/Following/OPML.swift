import Foundation
import HTMLKit

/// The list of followed sources as OPML 2.0, the subscription list every
/// feed reader imports and exports (NetNewsWire, Feedly, Inoreader,
/// Miniflux, and podcast apps such as AntennaPod and Overcast).
public enum OPML {
    /// One subscription: its feed, and where known its title and home page.
    public struct Outline: Sendable, Equatable {
        public var feed: URL
        public var title: String?
        public var homePage: URL?

        public init(feed: URL, title: String? = nil, homePage: URL? = nil) {
            self.feed = feed
            self.title = title
            self.homePage = homePage
        }
    }

    /// Why a file was not read as a subscription list.
    public struct Unreadable: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// More subscriptions than anyone reads: a list past it is refused, not cut.
    public static let limit = 5_000

    /// The outlines as an OPML 2.0 document, in the order given.
    public static func document(_ outlines: [Outline], title: String, created: Date) -> String {
        var xml = XMLWriter()
        xml.start("opml", [("version", "2.0")])
        xml.start("head")
        xml.element("title", title)
        xml.element("dateCreated", DateText.rfc2822(created))
        xml.end()
        xml.start("body")
        for outline in outlines {
            let text = outline.title ?? outline.feed.absoluteString
            var attributes = [("type", "rss"), ("text", text), ("title", text), ("xmlUrl", outline.feed.absoluteString)]
            if let home = outline.homePage { attributes.append(("htmlUrl", home.absoluteString)) }
            xml.element("outline", "", attributes)
        }
        xml.end()
        xml.end()
        return xml.finish()
    }

    /// Every subscription in an OPML file, folders flattened, each feed once,
    /// in the file's order. Only http(s) feeds are kept; an outline without a
    /// feed (a folder, a note) is not a subscription.
    public static func outlines(from data: Data) throws(Unreadable) -> [Outline] {
        let root: XMLTree
        do {
            root = try XMLTree.parse(data)
        } catch {
            throw Unreadable(description: "the file cannot be read as OPML: \(error.description)")
        }
        guard root.name == "opml", let body = root.first("body") else {
            throw Unreadable(description: "not an OPML file (no <opml> with a <body>)")
        }
        var found: [Outline] = []
        var seen = Set<String>()
        var pending = Array(body.all("outline").reversed())
        while let outline = pending.popLast() {
            pending.append(contentsOf: outline.all("outline").reversed())
            guard let feed = attribute("xmlUrl", of: outline).flatMap(httpAddress), seen.insert(feed.absoluteString).inserted else {
                continue
            }
            guard found.count < limit else {
                throw Unreadable(description: "the file lists more than \(limit) feeds")
            }
            let title = attribute("title", of: outline) ?? attribute("text", of: outline)
            found.append(Outline(feed: feed, title: title, homePage: attribute("htmlUrl", of: outline).flatMap(httpAddress)))
        }
        return found
    }

    /// An attribute's trimmed value, whatever case the exporter wrote its name in
    /// (`xmlUrl`, `xmlURL` and `xmlurl` are all seen in the wild).
    static func attribute(_ name: String, of outline: XMLTree) -> String? {
        let value = outline.attributes.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        guard let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    static func httpAddress(_ text: String) -> URL? {
        LinkPolicy.renderable(text).flatMap(URL.init(string:))
    }
}
