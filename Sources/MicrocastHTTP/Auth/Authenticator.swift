import Foundation
import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOConcurrencyHelpers

/// Checks who a Micropub, media-endpoint or upload request comes from: a
/// bearer token and the scopes it holds, or the owner's studio (a session
/// cookie with its CSRF token in `X-CSRF-Token`, which another site's page
/// cannot send), which may do everything.
struct Authenticator: Sendable {
    let tokens: any TokenRepository
    let sessions: OwnerSessions?
    /// When each token was last recorded as used, so a busy client costs one write a minute.
    private let lastTouched = NIOLockedValueBox<[Int64: Date]>([:])

    init(tokens: any TokenRepository, sessions: OwnerSessions? = nil) {
        self.tokens = tokens
        self.sessions = sessions
    }

    /// What the studio's requests carry in place of a token.
    static let csrfHeader = HTTPField.Name.csrfToken
    /// The owner, signed in to the studio, holds every scope; the session is
    /// what owns what it starts (a resumable upload), as a grant does for a token.
    static func studio(session: OwnerSessions.SignedIn) -> AccessToken {
        AccessToken(hash: "", scope: ScopeSet(Scope.allCases), clientId: "studio", grant: "studio-session:" + session.hash)
    }

    /// Whether the headers carry a credential (a bearer token, or the studio's
    /// session and CSRF token), so it can be checked before any body is read.
    func hasHeaderCredential(_ request: Request) -> Bool {
        Self.bearer(request.headers[.authorization]) != nil || request.headers[Self.csrfHeader] != nil
    }

    /// Whether the headers' credential verifies: a live token of any scope, or
    /// the studio's session with its own CSRF token. Nothing of the body is read.
    func verifiesHeaderCredential(_ request: Request) async -> Bool {
        if let token = Self.bearer(request.headers[.authorization]) {
            return (try? await authorize(token: token, anyOf: [])) != nil
        }
        if let csrf = request.headers[Self.csrfHeader] {
            return (try? await authorizeStudio(request, csrf: csrf)) != nil
        }
        return false
    }

    /// The token from the `Authorization` header or, for form posts, the
    /// `access_token` field (sending both is refused, as RFC 6750 §2 asks);
    /// else the owner's studio session.
    func authorize(_ request: Request, bodyToken: String?, anyOf scopes: [Scope]) async throws(MicropubError) -> AccessToken {
        let headerToken = Self.bearer(request.headers[.authorization])
        if headerToken != nil && bodyToken != nil {
            throw .invalidRequest("send the access token in the Authorization header or the body, not both")
        }
        if headerToken == nil, bodyToken == nil, let csrf = request.headers[Self.csrfHeader] {
            return try await authorizeStudio(request, csrf: csrf)
        }
        return try await authorize(token: headerToken ?? bodyToken, anyOf: scopes)
    }

    /// The owner's session, proven by its CSRF token.
    func authorizeStudio(_ request: Request, csrf: String) async throws(MicropubError) -> AccessToken {
        let signedIn: OwnerSessions.SignedIn?
        do {
            signedIn = try await sessions?.session(request, csrf: csrf)
        } catch {
            throw MicropubError(.invalidRequest, "the session store is unavailable", status: 503)
        }
        guard let signedIn else {
            throw MicropubError(.forbidden, "the studio session is not valid: sign in again")
        }
        return Self.studio(session: signedIn)
    }

    /// Checks a presented token (nil when none was sent) and its scopes.
    func authorize(token presented: String?, anyOf scopes: [Scope]) async throws(MicropubError) -> AccessToken {
        guard let presented, !presented.isEmpty else {
            throw MicropubError(.unauthorized, "no access token was sent")
        }
        let found: AccessToken?
        do {
            found = try await tokens.token(hash: Secrets.hash(presented), now: Date())
        } catch {
            throw MicropubError(.invalidRequest, "the token store is unavailable", status: 503)
        }
        // Looked up by hash, so lookup timing says nothing about the token;
        // the final comparison is constant-time all the same.
        guard let token = found, Secrets.constantTimeEquals(token.hash, Secrets.hash(presented)) else {
            throw MicropubError(.unauthorized, "the access token is not valid")
        }
        // An empty list asks only for a valid token, whatever its scope.
        guard scopes.isEmpty || token.scope.containsAny(scopes) else {
            throw MicropubError(
                .insufficientScope,
                "this needs the \(scopes.map(\.rawValue).joined(separator: " or ")) scope; the token has \"\(token.scope)\""
            )
        }
        await touch(token)
        return token
    }

    /// A query (`GET ?q=...`) needs a valid token of any Micropub scope (a
    /// reader's token sees no drafts), from the header or an `access_token` query parameter.
    func authorizeQuery(_ request: Request) async throws(MicropubError) -> AccessToken {
        try await authorize(request, bodyToken: request.uri.queryParameters["access_token"].map(String.init), anyOf: Scope.micropub)
    }

    /// Records the token's use for the owner's list of apps, at most once a minute.
    func touch(_ token: AccessToken) async {
        guard let id = token.id else { return }
        let now = Date()
        let due = lastTouched.withLockedValue { touched in
            if let last = touched[id], now.timeIntervalSince(last) < 60 { return false }
            if touched.count > 10_000 { touched.removeAll() }
            touched[id] = now
            return true
        }
        if due { try? await tokens.touchToken(id: id, at: now) }
    }

    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
