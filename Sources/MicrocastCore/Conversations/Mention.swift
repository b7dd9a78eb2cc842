import Foundation

/// What a received Webmention says about our post, read from the source's microformats.
public enum MentionKind: String, Sendable, Codable, CaseIterable {
    case reply, like, repost, bookmark, mention
}

/// A Webmention received for one of our posts: who sent it, what it says,
/// and where it is in its life (being verified, waiting for the owner, shown, refused).
public struct Mention: Sendable, Equatable, Codable {
    /// Where a mention is in its life.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Received; the source is not yet fetched and checked.
        case pending
        /// Verified, waiting for the owner's approval.
        case held
        /// Verified and shown under the post.
        case shown
        /// Refused (with a reason): the source does not link us, is gone, or the owner said no.
        case rejected
    }

    /// Random and unguessable: the status URL's last segment.
    public var id: String
    public var source: String
    public var target: String
    /// The post the target names.
    public var postSlug: String
    public var state: State
    /// Why it was refused or is held, as the sender is told on the public
    /// status URL: nothing about our network ("the source could not be fetched").
    public var reason: String?
    /// The whole reason, for the owner only (studio, `microcast mentions`):
    /// which address a name resolved to, a timeout, a refused connection.
    public var detail: String?
    public var kind: MentionKind
    public var author: MentionAuthor
    /// Sanitised HTML: the reply's text.
    public var contentHTML: String
    public var published: Date?
    /// The response's own URL (its `u-url`), else the source.
    public var url: String
    public var receivedAt: Date
    public var updatedAt: Date
    /// The account whose copy it answered (`SyndicationAccount.uid`), for a
    /// response read from another network; `Mention.fediverse` for one sent
    /// to the site's inbox; nil for a Webmention.
    public var via: String?

    /// `via` of a response that came to the site's ActivityPub inbox.
    public static let fediverse = "fediverse"
    /// `via` of a comment the post had at its old home, kept by an import.
    public static let imported = "import"

    public init(
        id: String,
        source: String,
        target: String,
        postSlug: String,
        state: State = .pending,
        reason: String? = nil,
        detail: String? = nil,
        kind: MentionKind = .mention,
        author: MentionAuthor = MentionAuthor(),
        contentHTML: String = "",
        published: Date? = nil,
        url: String? = nil,
        receivedAt: Date,
        updatedAt: Date? = nil,
        via: String? = nil
    ) {
        self.id = id
        self.source = source
        self.target = target
        self.postSlug = postSlug
        self.state = state
        self.reason = reason
        self.detail = detail
        self.kind = kind
        self.author = author
        self.contentHTML = contentHTML
        self.published = published
        self.url = url ?? source
        self.receivedAt = receivedAt
        self.updatedAt = updatedAt ?? receivedAt
        self.via = via
    }

    /// What the owner's approval names: for a Webmention the sending site's
    /// domain; for a response from another network its author (everyone on
    /// one Mastodon server is not one sender).
    public var sender: MentionSender { via == nil ? .domain(domain) : .author(author.url) }

    /// What the owner reads about its state: the detail if there is one, else the reason.
    public var ownerReason: String? { detail ?? reason }

    /// The source's host, lower-cased: what the owner approves or blocks.
    public var domain: String { Mention.domain(of: source) }

    public static func domain(of url: String) -> String {
        (URLComponents(string: url)?.host ?? "").lowercased()
    }
}

/// Who the owner approves or blocks.
public enum MentionSender: Sendable, Equatable, CustomStringConvertible {
    /// A site, with its subdomains.
    case domain(String)
    /// One person on another network, by their profile URL.
    case author(String)

    public var description: String {
        switch self {
        case .domain(let domain): domain
        case .author(let url): url
        }
    }
}

/// The person behind a response, from the source's h-card (the authorship algorithm).
public struct MentionAuthor: Sendable, Equatable, Codable {
    public var name: String
    public var url: String
    /// The photo as the source gave it (never shown to readers: it is fetched once and served by us).
    public var remotePhoto: String
    /// Our copy, a file in the media folder's renditions; empty until fetched.
    public var photoFile: String

    public init(name: String = "", url: String = "", remotePhoto: String = "", photoFile: String = "") {
        self.name = name
        self.url = url
        self.remotePhoto = remotePhoto
        self.photoFile = photoFile
    }
}

/// One Webmention we sent (or tried to) for a post: to which page, through
/// which endpoint, and what came of it.
public struct SentMention: Sendable, Equatable, Codable {
    /// What came of one send.
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        /// The endpoint took it (2xx).
        case sent
        /// The page advertises no endpoint: nothing to send.
        case noEndpoint = "no-endpoint"
        /// The page or the endpoint could not be reached, or refused.
        case failed
    }

    public var postSlug: String
    public var target: String
    public var outcome: Outcome
    public var endpoint: String?
    /// The endpoint's status and any status URL, or why it failed.
    public var detail: String
    public var updatedAt: Date

    public init(postSlug: String, target: String, outcome: Outcome, endpoint: String?, detail: String, updatedAt: Date) {
        self.postSlug = postSlug
        self.target = target
        self.outcome = outcome
        self.endpoint = endpoint
        self.detail = detail
        self.updatedAt = updatedAt
    }
}

/// A short citation of a page our post responds to (its title and author),
/// fetched once through the safe client when the response is sent.
public struct Citation: Sendable, Equatable, Codable {
    public var url: String
    public var name: String
    public var authorName: String
    public var fetchedAt: Date

    public init(url: String, name: String, authorName: String, fetchedAt: Date) {
        self.url = url
        self.name = name
        self.authorName = authorName
        self.fetchedAt = fetchedAt
    }
}
