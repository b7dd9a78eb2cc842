import Crypto
import Foundation

/// The podcast show: what the owner set with `microcast show set`, and
/// sensible defaults for the rest, so a fresh site already has a valid feed.
public struct ShowSettings: Sendable, Equatable {
    /// Setting keys, as stored and as the CLI names them.
    public enum Key: String, CaseIterable, Sendable {
        case title, description, author, email, language, category, subcategory, explicit, type
        case artwork, website
        case fundingURL = "funding-url"
        case fundingText = "funding-text"
        case guid, locked
    }

    public var title: String
    public var description: String
    public var author: String
    public var email: String
    public var language: String
    public var category: String
    public var subcategory: String
    public var explicit: Bool
    /// `episodic` or `serial`.
    public var type: String
    /// The artwork rendition's file name; nil until made.
    public var artwork: String?
    public var website: String
    public var fundingURL: String
    public var fundingText: String
    public var guid: String
    public var locked: Bool
    /// Where the show has moved (`microcast show move`): the feed says so with `itunes:new-feed-url`.
    public var movedTo: String?
    /// The move's second step: the podcast feed answers 301 to `movedTo`.
    public var redirectsFeed: Bool

    public init(stored: Settings, site: SiteInfo) {
        func value(_ key: Key) -> String? { stored[.show(key)].flatMap { $0.isEmpty ? nil : $0 } }
        title = value(.title) ?? site.title
        description = value(.description) ?? "\(title): episodes published with Microcast."
        author = value(.author) ?? site.authorName
        email = value(.email) ?? ""
        language = value(.language) ?? "en"
        category = value(.category) ?? "Technology"
        subcategory = value(.subcategory) ?? ""
        explicit = value(.explicit) == "true"
        type = value(.type) == "serial" ? "serial" : "episodic"
        artwork = value(.artwork)
        website = value(.website) ?? site.urls.home
        fundingURL = value(.fundingURL) ?? ""
        fundingText = value(.fundingText) ?? "Support the show"
        guid = value(.guid) ?? Self.podcastGUID(feedURL: site.urls.podcastFeed)
        locked = value(.locked) != "no"
        movedTo = stored[.showMovedTo].flatMap { $0.isEmpty ? nil : $0 }
        redirectsFeed = movedTo != nil && stored[.showMoveRedirects] == "yes"
    }

    /// Podcasting 2.0 `podcast:guid`: a UUIDv5 of the feed URL without its
    /// scheme or trailing slashes, in the namespace the specification gives.
    public static func podcastGUID(feedURL: String) -> String {
        var name = feedURL
        if let range = name.range(of: "://") { name = String(name[range.upperBound...]) }
        while name.hasSuffix("/") { name.removeLast() }
        let namespace: [UInt8] = [0xea, 0xd4, 0xc2, 0x36, 0xbf, 0x58, 0x58, 0xc6, 0xa2, 0xc6, 0xa6, 0xb2, 0x8d, 0x12, 0x8c, 0xb6]
        var bytes = Array(Insecure.SHA1.hash(data: Data(namespace + Array(name.utf8))).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.hexString
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex[hex.index(hex.startIndex, offsetBy: range.lowerBound)..<hex.index(hex.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }
}
