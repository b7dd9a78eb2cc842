import Foundation

/// The site owner's passphrase, sign-in sessions and IndieAuth codes.
public protocol OwnerRepository: Sendable {
    /// The scrypt hash of the owner's passphrase, or nil before one is set.
    func passphraseHash() async throws -> String?
    /// Sets the passphrase's hash and signs every browser out.
    func setPassphraseHash(_ hash: String, now: Date) async throws
    /// Starts a session for an owner who has just given the passphrase.
    func addSession(hash: String, csrf: String, signedInAt: Date, expiresAt: Date) async throws
    /// A live session.
    func session(hash: String, now: Date) async throws -> OwnerSession?
    /// Records that the owner gave the passphrase again in this session.
    func confirmSession(hash: String, at date: Date) async throws
    /// Ends a session (signing out).
    func removeSession(hash: String) async throws
    /// Stores an authorization code (by its hash).
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
