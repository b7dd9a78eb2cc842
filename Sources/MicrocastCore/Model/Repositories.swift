import Foundation

// The store's contracts. SQLite (MicrocastStore) implements them today; a
// PostgreSQL store for several worker processes implements the same ones.

public protocol PostRepository: Sendable {
    /// Saves a new post, making its slug unique, and links the library media it uses.
    func create(_ post: Post, mediaIds: [String]) async throws -> Post
    func post(slug: String) async throws -> Post?
    /// Published, not deleted, newest first.
    func publishedPosts(limit: Int, offset: Int) async throws -> [Post]
    /// Every post not deleted, drafts included, newest first (the owner's view).
    func allPosts(limit: Int, offset: Int) async throws -> [Post]
    /// Saves changed properties, date and status, and relinks the media used.
    func update(_ post: Post, mediaIds: [String]) async throws
    /// Marks a post deleted (`at` a date) or restores it (`at` nil).
    func setDeleted(slug: String, at date: Date?) async throws
    /// Categories of published posts, most used first.
    func categories() async throws -> [String]
    /// Changes whenever anything a page or feed shows changes (posts, media,
    /// renditions, settings); cheap to read, so caches can check it per request.
    func contentStamp() async throws -> String
}

public protocol MediaRepository: Sendable {
    /// Saves an upload and, in the same transaction, queues its processing.
    func add(_ item: MediaItem, processing: JobRequest?) async throws
    func media(id: String) async throws -> MediaItem?
    func media(ids: [String]) async throws -> [String: MediaItem]
    /// The newest item with these bytes that did not fail, so a file seen again is not stored twice.
    func media(sha256: String) async throws -> MediaItem?
    /// Uploads, newest first.
    func recentMedia(limit: Int, offset: Int) async throws -> [MediaItem]
    func setAlt(mediaId: String, alt: String?) async throws
    /// Slugs of the posts that use this media item.
    func posts(usingMedia id: String) async throws -> [String]
    /// Forgets an item and its renditions, returning the rendition file names to remove.
    func remove(mediaId: String) async throws -> [String]
    func renditions(forMedia ids: [String]) async throws -> [String: [Rendition]]
    /// Replaces the item's renditions, records its placeholder colour, and marks it ready.
    func finishProcessing(mediaId: String, renditions: [Rendition], placeholder: String?) async throws
    func failProcessing(mediaId: String, reason: String) async throws
}

public protocol TokenRepository: Sendable {
    func addToken(_ token: AccessToken) async throws
    /// The live (not revoked, not expired) token of this kind with this hash.
    func token(hash: String, kind: AccessToken.Kind, now: Date) async throws -> AccessToken?
    /// Every token, newest first, revoked and expired ones included.
    func allTokens() async throws -> [AccessToken]
    /// Revokes the grant of the token with this id (its access and refresh
    /// tokens together); false if there is no such token.
    func revokeToken(id: Int64, now: Date) async throws -> Bool
    /// Revokes the grant of the token with this hash, whatever its kind.
    func revokeToken(hash: String, now: Date) async throws
    /// Spends a refresh token (each is used once). A refresh token presented
    /// again after use means it was copied: its whole grant is revoked.
    func redeemRefreshToken(hash: String, now: Date) async throws -> RefreshRedemption
}

/// What presenting a refresh token came to.
public enum RefreshRedemption: Sendable, Equatable {
    /// Live and now spent; issue the grant's next pair.
    case valid(AccessToken)
    /// Already used or revoked: the grant is now revoked.
    case reused
    /// Unknown or expired.
    case unknown
}

extension TokenRepository {
    public func token(hash: String, now: Date) async throws -> AccessToken? {
        try await token(hash: hash, kind: .access, now: now)
    }
}

/// Named settings (the podcast show's, for now), as plain strings.
public protocol SettingsRepository: Sendable {
    func settings() async throws -> [String: String]
    func setSettings(_ values: [String: String?]) async throws
}

/// The site owner's passphrase, sign-in sessions and IndieAuth codes.
public protocol OwnerRepository: Sendable {
    func passphraseHash() async throws -> String?
    func setPassphraseHash(_ hash: String, now: Date) async throws
    /// Starts a session for an owner who has just given the passphrase.
    func addSession(hash: String, csrf: String, signedInAt: Date, expiresAt: Date) async throws
    /// A live session.
    func session(hash: String, now: Date) async throws -> OwnerSession?
    /// Records that the owner gave the passphrase again in this session.
    func confirmSession(hash: String, at date: Date) async throws
    func addCode(_ code: AuthorizationCode) async throws
    /// Marks the code used and returns it, once: nil if unknown, used or expired.
    func redeemCode(hash: String, now: Date) async throws -> AuthorizationCode?
}

/// A signed-in browser: its CSRF token, and when the owner last gave the passphrase in it.
public struct OwnerSession: Sendable, Equatable {
    public var csrf: String
    public var signedInAt: Date

    public init(csrf: String, signedInAt: Date) {
        self.csrf = csrf
        self.signedInAt = signedInAt
    }
}

/// An IndieAuth authorization code, bound to the client, the redirect URI and
/// the PKCE challenge it was issued for.
public struct AuthorizationCode: Sendable, Equatable {
    public var hash: String
    public var clientId: String
    public var redirectURI: String
    public var codeChallenge: String
    public var scope: ScopeSet
    public var expiresAt: Date

    public init(hash: String, clientId: String, redirectURI: String, codeChallenge: String, scope: ScopeSet, expiresAt: Date) {
        self.hash = hash
        self.clientId = clientId
        self.redirectURI = redirectURI
        self.codeChallenge = codeChallenge
        self.scope = scope
        self.expiresAt = expiresAt
    }
}

/// A durable queue: a job is claimed with a lease, survives a crash (its lease
/// runs out and it is claimed again), and ends done or failed with a reason.
public protocol JobQueue: Sendable {
    func claim(worker: String, lease: TimeInterval, now: Date) async throws -> Job?
    func renewLease(jobId: Int64, worker: String, until: Date) async throws
    func complete(jobId: Int64, now: Date) async throws
    /// Retries at `retryAt` while attempts remain; otherwise the job ends failed.
    func fail(jobId: Int64, reason: String, retryAt: Date?, now: Date) async throws
    func job(id: Int64) async throws -> Job?
    /// Workers holding running jobs now.
    func leaseOwners() async throws -> [String]
    /// Hands a dead worker's running jobs back to the queue at once, instead of after its lease.
    func releaseLeases(ownedBy worker: String, now: Date) async throws
}

public struct JobRequest: Sendable, Equatable {
    public var kind: String
    public var mediaId: String
    public var maxAttempts: Int

    public init(kind: String, mediaId: String, maxAttempts: Int = 5) {
        self.kind = kind
        self.mediaId = mediaId
        self.maxAttempts = maxAttempts
    }
}

public struct Job: Sendable, Equatable {
    public enum State: String, Sendable, Codable { case queued, running, done, failed }

    public var id: Int64
    public var kind: String
    public var mediaId: String
    public var state: State
    public var attempts: Int
    public var maxAttempts: Int
    public var lastError: String?

    public init(id: Int64, kind: String, mediaId: String, state: State, attempts: Int, maxAttempts: Int, lastError: String?) {
        self.id = id
        self.kind = kind
        self.mediaId = mediaId
        self.state = state
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.lastError = lastError
    }
}

public struct AccessToken: Sendable, Equatable {
    public enum Kind: String, Sendable { case access, refresh }

    public var id: Int64?
    /// SHA-256 of the token, hex; the token itself is never stored.
    public var hash: String
    public var kind: Kind
    public var scope: ScopeSet
    /// The IndieAuth client it was issued to; nil for tokens made with the CLI.
    public var clientId: String?
    /// The grant it belongs to: an approval's access and refresh tokens, and
    /// every pair refreshed from them, share it, and are revoked together.
    /// nil before the token is stored gives it a grant of its own.
    public var grant: String?
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?

    public init(
        id: Int64? = nil, hash: String, kind: Kind = .access, scope: ScopeSet, clientId: String? = nil, grant: String? = nil,
        createdAt: Date = Date(), expiresAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.grant = grant
        self.hash = hash
        self.kind = kind
        self.scope = scope
        self.clientId = clientId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    public func isLive(at date: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > date } ?? true)
    }
}
