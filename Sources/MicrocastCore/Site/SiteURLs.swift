import Foundation

/// Every public URL the site makes, from one base URL, and back again.
public struct SiteURLs: Sendable, Equatable {
    /// No trailing slash: `https://example.com` or `https://example.com/blog`.
    public let base: String
    /// Earlier bases whose media URLs are still ours: posts keep the absolute
    /// URLs they were written with, and an export for another host must
    /// still recognise them.
    public let aliases: [String]

    public init(base: String, aliases: [String] = []) {
        func trimmed(_ url: String) -> String {
            var url = url
            while url.hasSuffix("/") { url.removeLast() }
            return url
        }
        self.base = trimmed(base)
        self.aliases = aliases.map(trimmed).filter { $0 != trimmed(base) }
    }

    public var home: String { url(.home(page: 1)) }
    public var micropub: String { base + "/micropub" }
    /// Where reader apps read the owner's timeline (Microsub).
    public var microsub: String { base + "/microsub" }
    public var mediaEndpoint: String { base + "/micropub/media" }

    public var podcastFeed: String { url(.feed(.podcastRSS)) }
    public var podcastJSONFeed: String { url(.feed(.podcastJSON)) }
    public var postsFeed: String { url(.feed(.postsRSS)) }
    public var postsJSONFeed: String { url(.feed(.postsJSON)) }
    public var indieAuthMetadata: String { base + "/.well-known/oauth-authorization-server" }
    public var authorization: String { base + "/auth" }
    public var token: String { base + "/token" }
    public var webmention: String { base + "/webmention" }
    /// Where a sender follows a Webmention it sent.
    public func webmentionStatus(id: String) -> String { base + "/webmention/status/" + id }
    public var ownerMentions: String { base + "/studio/mentions" }
    public var introspection: String { base + "/token/introspect" }
    public var revocation: String { base + "/token/revoke" }
    /// The owner's list of signed-in apps (in the studio).
    public var ownerTokens: String { base + "/studio/apps" }
    /// The owner's studio.
    public var studio: String { base + "/studio" }

    /// The absolute URL of one of the site's paths.
    public func url(_ path: SitePath) -> String { base + path.path }

    public func post(slug: String) -> String { url(.post(slug: slug)) }
    public var podcastPage: String { url(.podcast) }
    public var photosPage: String { url(.photos) }
    public var sitemap: String { url(.sitemap) }
    public var openSearch: String { url(.openSearch) }
    /// The site's search page (not a `SitePath`: its answer depends on the query, so it is neither cached nor exported).
    public var search: String { base + "/search" }
    /// A search's page, or the studio's (`/studio/search`).
    public func search(_ query: String, studio: Bool = false) -> String {
        (studio ? self.studio + "/search" : search) + "?q="
            + (query.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? "")
    }
    /// The home timeline's page `number` (1 is the home page itself).
    public func homePage(_ number: Int) -> String { url(.home(page: number)) }
    public func tag(_ name: String) -> String { url(.tag(name, page: 1)) }
    public func tagPage(_ name: String, _ number: Int) -> String { url(.tag(name, page: number)) }
    /// The stylesheet, named by its content so it can be cached for a year.
    public func stylesheet(fingerprint: String) -> String { url(.stylesheet(fingerprint: fingerprint)) }

    /// An original upload, by its library file name.
    public func original(fileName: String) -> String { base + "/media/" + fileName }
    public func rendition(fileName: String) -> String { base + "/media/r/" + fileName }

    /// A value naming one of our uploads under an earlier base, given under
    /// the current one (in an object, its `value`); anything else as it is.
    public func rebasingMedia(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let url):
            guard !url.hasPrefix(mediaPrefix), mediaId(fromURL: url) != nil,
                let alias = aliases.first(where: { url.hasPrefix($0 + "/media/") })
            else { return value }
            return .string(base + String(url.dropFirst(alias.count)))
        case .object(var object):
            if let inner = object["value"] { object["value"] = rebasingMedia(inner) }
            return .object(object)
        default:
            return value
        }
    }

    /// The media id in one of our original URLs (`…/media/ID.EXT`), or nil for any other URL.
    public func mediaId(fromURL url: String) -> String? {
        // By UTF-8 bytes: this runs for every media URL of every page and feed item.
        let bytes = url.utf8
        var prefixLength = mediaPrefix.utf8.count
        if !bytes.starts(with: mediaPrefix.utf8) {
            guard let alias = aliases.first(where: { bytes.starts(with: ($0 + "/media/").utf8) }) else { return nil }
            prefixLength = alias.utf8.count + 7
        }
        let name = bytes.dropFirst(prefixLength)
        guard !name.contains(UInt8(ascii: "/")), let dot = name.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let id = String(decoding: name[..<dot], as: UTF8.self)
        return MediaIdentifier.isValid(id) ? id : nil
    }

    private var mediaPrefix: String { base + "/media/" }

    /// The slug in one of our post URLs, or nil.
    public func slug(fromURL url: String) -> String? {
        let prefix = base + "/posts/"
        guard url.hasPrefix(prefix) else { return nil }
        let slug = url.dropFirst(prefix.count).split(separator: "?").first.map(String.init) ?? ""
        return slug.isEmpty || slug.contains("/") ? nil : slug
    }
}

/// Media ids: 20 random lower-case base-32 characters (100 bits), so upload
/// URLs cannot be guessed.
public enum MediaIdentifier {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    public static func isValid(_ id: String) -> Bool {
        // Byte checks: this runs for every media URL on every page and feed item.
        id.utf8.count == 20
            && id.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "2") && $0 <= UInt8(ascii: "7")) }
    }
}
