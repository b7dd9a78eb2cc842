import Foundation

/// One post's copy on one account: what exists on the network, and what a
/// job chose before its next write so that a retry cannot post twice.
public struct SyndicationCopy: Sendable, Equatable, Codable {
    /// Where the copy is in its life.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Not on the network yet.
        case pending
        /// On the network, at `remoteURL`.
        case live
        /// Taken down (the post was deleted, or is no longer public).
        case deleted
    }

    public var postSlug: String
    public var accountUid: String
    public var state: State
    /// The network's id: a Mastodon status id, an AT URI.
    public var remoteId: String?
    /// Where people see it: the status's page, the post on bsky.app.
    public var remoteURL: String?
    /// Chosen and saved before a write, and sent with every try of it:
    /// Mastodon's `Idempotency-Key`, or the record key a `putRecord` writes.
    /// Cleared once the write is known to have happened.
    public var writeKey: String?
    /// The digest of what was last sent (text, media, alt texts): an update
    /// that changes none of it sends nothing.
    public var sentDigest: String?
    /// URLs of earlier copies this one replaced (a network without edits
    /// gets a new post): kept so that links to them still find the post.
    public var replacedURLs: [String]
    public var postedAt: Date?
    public var updatedAt: Date

    public init(
        postSlug: String,
        accountUid: String,
        state: State = .pending,
        remoteId: String? = nil,
        remoteURL: String? = nil,
        writeKey: String? = nil,
        sentDigest: String? = nil,
        replacedURLs: [String] = [],
        postedAt: Date? = nil,
        updatedAt: Date
    ) {
        self.postSlug = postSlug
        self.accountUid = accountUid
        self.state = state
        self.remoteId = remoteId
        self.remoteURL = remoteURL
        self.writeKey = writeKey
        self.sentDigest = sentDigest
        self.replacedURLs = replacedURLs
        self.postedAt = postedAt
        self.updatedAt = updatedAt
    }

    /// The job subject of this copy.
    public var subject: JobSubject { .copy(post: postSlug, account: accountUid) }
}

/// An OAuth sign-in to a Mastodon server under way: kept in the store
/// between sending the owner there and the server sending them back (any
/// server process may receive the callback), used once.
public struct PendingConnection: Sendable, Equatable {
    /// The OAuth `state`: random, the row's key.
    public var state: String
    public var instance: String
    public var clientId: String
    public var clientSecret: String
    /// The PKCE verifier; only its S256 challenge left this server.
    public var codeVerifier: String
    public var redirectURI: String
    public var createdAt: Date

    public init(
        state: String,
        instance: String,
        clientId: String,
        clientSecret: String,
        codeVerifier: String,
        redirectURI: String,
        createdAt: Date
    ) {
        self.state = state
        self.instance = instance
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.codeVerifier = codeVerifier
        self.redirectURI = redirectURI
        self.createdAt = createdAt
    }
}

extension SyndicationCopy {
    /// A post's `syndication` URLs once its copies are as `copies` say: the
    /// ones the owner gave by hand kept as they were, then the URL of every
    /// live copy; a deleted or replaced copy's URL gone.
    public static func syndication(existing: [String], copies: [SyndicationCopy]) -> [String] {
        let ours = Set(copies.flatMap { [$0.remoteURL].compactMap { $0 } + $0.replacedURLs })
        var urls = existing.filter { !ours.contains($0) }
        for copy in copies where copy.state == .live {
            if let url = copy.remoteURL, !urls.contains(url) { urls.append(url) }
        }
        return urls
    }
}
