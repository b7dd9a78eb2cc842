import Foundation

/// Access and refresh tokens, by the hash of their secret, grouped in grants.
public protocol TokenRepository: Sendable {
    /// Stores a token; one without a grant gets a grant of its own.
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
    /// Records that a token was just used (for the owner's list of apps); at most once a minute per token.
    func touchToken(id: Int64, at date: Date) async throws
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
    /// The live access token with this hash.
    public func token(hash: String, now: Date) async throws -> AccessToken? {
        try await token(hash: hash, kind: .access, now: now)
    }
}

/// A token as stored: never its secret, only the secret's SHA-256.
public struct AccessToken: Sendable, Equatable {
    /// `access` tokens authorize requests; `refresh` tokens only buy new ones.
    public enum Kind: String, Sendable, Codable, CaseIterable { case access, refresh }

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
    /// When a request last presented it (to the minute).
    public var lastUsedAt: Date?

    public init(
        id: Int64? = nil,
        hash: String,
        kind: Kind = .access,
        scope: ScopeSet,
        clientId: String? = nil,
        grant: String? = nil,
        createdAt: Date = Date(),
        expiresAt: Date? = nil,
        revokedAt: Date? = nil,
        lastUsedAt: Date? = nil
    ) {
        self.lastUsedAt = lastUsedAt
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
