import Foundation

/// The JSON Feed at the head of a site archive (`microcast export --archive`):
/// every post as a JSON Feed 1.1 item any feed reader or importer can read,
/// and, under the `_microcast` extensions the JSON Feed specification
/// provides for, everything else that makes the site, so that `microcast
/// import archive` rebuilds it as it was.
///
/// Left out on purpose: credentials (tokens, grants, the owner's passphrase,
/// sessions, accounts on other networks, the fediverse key pair) and the job
/// queue. A site rebuilt from an archive signs in and connects again; its
/// uploads still being processed are queued again.
public struct ArchiveDocument: Codable, Sendable, Equatable {
    /// What an archive holds beside its posts.
    public struct Contents: Codable, Sendable, Equatable {
        /// The archive format's version; a reader refuses one newer than it knows.
        public var format: Int
        public var exportedAt: Date
        public var settings: [String: String]
        public var media: [MediaItem]
        public var renditions: [Rendition]
        public var postMedia: [StoreSnapshot.PostMediaRow]
        public var ingests: [IngestRecord]
        public var mentions: [Mention]
        public var downloads: [DownloadCount]
        public var sentMentions: [SentMention]
        public var citations: [Citation]
        /// Copies on other networks, whose URLs are the posts' `syndication`; the accounts themselves are credentials.
        public var copies: [SyndicationCopy]
        public var followers: [Follower]
        public var redirects: [Redirect]
        /// What the site follows (absent from archives made before following).
        /// The timeline itself is others' posts: not archived, read again at the first poll.
        public var follows: [Follow]?
        /// Transcripts' cues, made and edited (absent from archives made before search).
        public var transcripts: [StoredTranscript]?
        /// Uploads whose public copy is the original itself (audio kept as it
        /// came, or the owner publishes locations): stored once, linked again on import.
        public var linkedPublicCopies: [String]
    }

    /// One post: what a JSON Feed reader shows, and the post whole.
    public struct Item: Codable, Sendable, Equatable {
        public var id: String
        public var url: String
        public var title: String?
        public var contentHTML: String?
        public var contentText: String?
        public var datePublished: Date
        public var dateModified: Date?
        public var tags: [String]?
        public var post: StoreSnapshot.PostRow

        enum CodingKeys: String, CodingKey {
            case id, url, title, tags
            case contentHTML = "content_html"
            case contentText = "content_text"
            case datePublished = "date_published"
            case dateModified = "date_modified"
            case post = "_microcast"
        }
    }

    public static let currentFormat = 1
    public static let jsonFeedVersion = "https://jsonfeed.org/version/1.1"
    /// Settings that are credentials: the fediverse key pair (a new one is made on first start).
    static let secretSettings: Set<String> = [
        SettingKey.fediverse(.privateKey).name, SettingKey.fediverse(.publicKey).name,
    ]

    public var version: String
    public var title: String
    public var homePageURL: String
    public var items: [Item]
    public var contents: Contents

    enum CodingKeys: String, CodingKey {
        case version, title, items
        case homePageURL = "home_page_url"
        case contents = "_microcast"
    }

    /// The archive of `snapshot`, a site served at `urls`.
    public init(snapshot: StoreSnapshot, title: String, urls: SiteURLs, exportedAt: Date, linkedPublicCopies: [String] = []) {
        version = Self.jsonFeedVersion
        self.title = title
        homePageURL = urls.home
        items = snapshot.posts.map { row in
            let post = row.post
            let content = post.properties["content"]?.first
            let url = urls.post(slug: post.slug)
            return Item(
                id: post.strings("uid").first ?? url,
                url: url,
                title: post.strings("name").first,
                contentHTML: content?.objectValue?["html"]?.stringValue,
                contentText: content?.stringValue ?? content?.objectValue?["value"]?.stringValue,
                datePublished: post.published,
                dateModified: post.updated,
                tags: post.strings("category").isEmpty ? nil : post.strings("category"),
                post: row
            )
        }
        contents = Contents(
            format: Self.currentFormat,
            exportedAt: exportedAt,
            settings: Self.portableSettings(snapshot.settings, urls: urls),
            media: snapshot.media,
            renditions: snapshot.renditions,
            postMedia: snapshot.postMedia,
            ingests: snapshot.ingests,
            mentions: snapshot.mentions,
            downloads: snapshot.downloads,
            sentMentions: snapshot.sentMentions,
            citations: snapshot.citations,
            copies: snapshot.copies,
            followers: snapshot.followers,
            redirects: snapshot.redirects,
            follows: snapshot.follows.map { follow in
                var portable = follow
                // Read again in full at the first poll after import: the timeline starts empty there.
                portable.etag = nil
                portable.lastModified = nil
                portable.nextPollAt = exportedAt
                return portable
            },
            transcripts: snapshot.transcripts,
            linkedPublicCopies: linkedPublicCopies
        )
    }

    /// The settings an archive carries: no credentials, and the show's
    /// `podcast:guid` written down, so that it stays the show's at a new address.
    static func portableSettings(_ settings: [String: String], urls: SiteURLs) -> [String: String] {
        var portable = settings.filter { !secretSettings.contains($0.key) }
        let guid = SettingKey.show(.guid).name
        if portable[guid]?.isEmpty ?? true { portable[guid] = ShowSettings.podcastGUID(feedURL: urls.podcastFeed) }
        return portable
    }

    /// The rows a store restores from this archive: everything it holds, no
    /// credentials, no jobs. A post without a `uid` is given its old
    /// permalink as one: feeds use it as the item's guid, so a site that
    /// moves to a new address is not downloaded again by podcast apps.
    public var snapshot: StoreSnapshot {
        var snapshot = StoreSnapshot()
        snapshot.posts = items.map { item in
            var row = item.post
            if row.post.strings("uid").allSatisfy(\.isEmpty) { row.post.properties["uid"] = [.string(item.url)] }
            return row
        }
        snapshot.settings = contents.settings
        snapshot.media = contents.media
        snapshot.renditions = contents.renditions
        snapshot.postMedia = contents.postMedia
        snapshot.ingests = contents.ingests
        snapshot.mentions = contents.mentions
        snapshot.downloads = contents.downloads
        snapshot.sentMentions = contents.sentMentions
        snapshot.citations = contents.citations
        snapshot.copies = contents.copies
        snapshot.followers = contents.followers
        snapshot.redirects = contents.redirects
        snapshot.follows = contents.follows ?? []
        snapshot.transcripts = contents.transcripts ?? []
        return snapshot
    }

    /// JSON with times to the millisecond (what both stores keep), keys sorted.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339Milliseconds.string(from: date))
        }
        return try encoder.encode(self)
    }

    /// Reads an archive's JSON; refuses a format newer than this version knows.
    public static func decode(_ data: Data) throws -> ArchiveDocument {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339Milliseconds.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
            }
            return date
        }
        let document = try decoder.decode(ArchiveDocument.self, from: data)
        guard document.contents.format <= currentFormat else { throw ArchiveError.newerFormat(document.contents.format) }
        return document
    }
}

/// Why an archive cannot be read back.
public enum ArchiveError: Error, Equatable, CustomStringConvertible {
    case newerFormat(Int)
    case notAnArchive(String)
    case missingFile(String)
    case unexpectedEntry(String)
    case tooLarge(String)
    case siteNotEmpty(String)

    public var description: String {
        switch self {
        case .newerFormat(let format):
            "the archive is of format \(format), newer than this Microcast reads (\(ArchiveDocument.currentFormat)); upgrade Microcast first"
        case .notAnArchive(let why): "not a Microcast archive: \(why)"
        case .missingFile(let name): "the archive is incomplete: \(name) is missing"
        case .unexpectedEntry(let name): "the archive holds \(name), which no Microcast archive holds; nothing was imported"
        case .tooLarge(let name): "\(name) in the archive is larger than it says or than a site's file can be"
        case .siteNotEmpty(let what):
            "an archive is imported into an empty site only, and this one has \(what); use a new data folder (and database)"
        }
    }
}

/// RFC 3339 times with milliseconds, UTC, as archives write them.
enum RFC3339Milliseconds {
    static func string(from date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func date(from text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
