import Foundation

/// Every public path the site publishes, as one grammar: the router, the
/// publisher, the export and the sitemap all go through it, so a URL the site
/// links is a URL it answers.
public enum SitePath: Hashable, Sendable {
    /// The home timeline; page 1 is `/`.
    case home(page: Int)
    case post(slug: String)
    /// Posts with the category; page 1 is `/tags/NAME`.
    case tag(String, page: Int)
    case podcast
    case photos
    case sitemap
    /// The OpenSearch description: how a browser adds the site's search.
    case openSearch
    /// The stylesheet, named by its content.
    case stylesheet(fingerprint: String)
    case feed(Feed)

    /// The four feeds: episodes and all posts, each as RSS and JSON Feed.
    public enum Feed: String, CaseIterable, Sendable {
        case podcastRSS = "podcast.xml"
        case podcastJSON = "podcast.json"
        case postsRSS = "feed.xml"
        case postsJSON = "feed.json"

        public var contentType: String {
            switch self {
            case .podcastRSS, .postsRSS: "application/rss+xml; charset=utf-8"
            case .podcastJSON, .postsJSON: "application/feed+json"
            }
        }

        /// Feeds of episodes only.
        public var isPodcast: Bool { self == .podcastRSS || self == .podcastJSON }
    }

    /// Router patterns (Hummingbird's `{name}` captures) for every path above.
    public static let routePatterns =
        [
            "/", "/page/{n}", "/posts/{slug}", "/tags/{tag}", "/tags/{tag}/page/{n}", "/podcast", "/photos", "/sitemap.xml",
            "/opensearch.xml", "/static/{file}",
        ] + Feed.allCases.map { "/" + $0.rawValue }

    /// The path for a request's path, or nil for one the site has nothing at.
    /// Tag names come percent-decoded; `/page/1` is not a page (the home page is `/`).
    public init?(path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        func pageNumber(_ text: String) -> Int? { Int(text).flatMap { $0 > 1 ? $0 : nil } }
        switch parts.count {
        case 0:
            self = .home(page: 1)
        case 1:
            switch parts[0] {
            case "podcast": self = .podcast
            case "photos": self = .photos
            case "sitemap.xml": self = .sitemap
            case "opensearch.xml": self = .openSearch
            default:
                guard let feed = Feed(rawValue: parts[0]) else { return nil }
                self = .feed(feed)
            }
        case 2 where parts[0] == "page":
            guard let page = pageNumber(parts[1]) else { return nil }
            self = .home(page: page)
        case 2 where parts[0] == "posts":
            self = .post(slug: parts[1])
        case 2 where parts[0] == "tags":
            guard let tag = parts[1].removingPercentEncoding, !tag.isEmpty else { return nil }
            self = .tag(tag, page: 1)
        case 2 where parts[0] == "static":
            let name = parts[1]
            guard name.hasPrefix("site."), name.hasSuffix(".css") else { return nil }
            self = .stylesheet(fingerprint: String(name.dropFirst(5).dropLast(4)))
        case 4 where parts[0] == "tags" && parts[2] == "page":
            guard let tag = parts[1].removingPercentEncoding, !tag.isEmpty, let page = pageNumber(parts[3]) else { return nil }
            self = .tag(tag, page: page)
        default:
            return nil
        }
    }

    /// The path, each segment percent-encoded.
    public var path: String {
        switch self {
        case .home(let page): page <= 1 ? "/" : "/page/\(page)"
        case .post(let slug): "/posts/" + Self.segment(slug)
        case .tag(let name, let page): "/tags/" + Self.segment(name) + (page <= 1 ? "" : "/page/\(page)")
        case .podcast: "/podcast"
        case .photos: "/photos"
        case .sitemap: "/sitemap.xml"
        case .openSearch: "/opensearch.xml"
        case .stylesheet(let fingerprint): "/static/site.\(fingerprint).css"
        case .feed(let feed): "/" + feed.rawValue
        }
    }

    /// The file an export writes this path to, relative to its folder: a page
    /// as `PATH/index.html` (clean URLs on any static host), a file as itself.
    /// Static hosts decode a URL's path before they look for its file, so the
    /// file is named by the decoded values, never by decoding anything; nil
    /// when a value could not be one file name (`.` or `..`, a `/` or NUL
    /// inside, longer than a file system allows), since such a page cannot be
    /// served from files and its name could reach outside the export.
    public var exportFile: String? {
        func safe(_ name: String) -> Bool {
            !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0") && name.utf8.count <= 255
        }
        switch self {
        case .home(let page): return page <= 1 ? "index.html" : "page/\(page)/index.html"
        case .post(let slug): return safe(slug) ? "posts/\(slug)/index.html" : nil
        case .tag(let name, let page):
            guard safe(name) else { return nil }
            return "tags/\(name)/" + (page <= 1 ? "" : "page/\(page)/") + "index.html"
        case .podcast: return "podcast/index.html"
        case .photos: return "photos/index.html"
        case .sitemap, .openSearch, .stylesheet, .feed: return String(path.dropFirst())
        }
    }

    /// A text as one path segment: letters and digits kept, everything else
    /// percent-encoded; `.` and `..`, which a client or file system would take
    /// as "this folder" and "the folder above", are encoded whole.
    public static func segment(_ text: String) -> String {
        if text == "." || text == ".." { return String(repeating: "%2E", count: text.count) }
        return text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
