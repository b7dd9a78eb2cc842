import Foundation
import Hummingbird
import MicrocastCore
import NIOConcurrencyHelpers

/// Checks the bearer token of a Micropub request and the scopes it holds.
struct Authenticator: Sendable {
    let tokens: any TokenRepository
    /// When each token was last recorded as used, so a busy client costs one write a minute.
    private let lastTouched = NIOLockedValueBox<[Int64: Date]>([:])

    init(tokens: any TokenRepository) { self.tokens = tokens }

    /// The token from the `Authorization` header or, for form posts, the
    /// `access_token` field. Sending both is refused, as RFC 6750 §2 asks.
    func authorize(_ request: Request, bodyToken: String?, anyOf scopes: [Scope]) async throws(MicropubError) -> AccessToken {
        let headerToken = Self.bearer(request.headers[.authorization])
        if headerToken != nil && bodyToken != nil {
            throw .invalidRequest("send the access token in the Authorization header or the body, not both")
        }
        return try await authorize(token: headerToken ?? bodyToken, anyOf: scopes)
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

    /// A query (`GET ?q=...`) needs a valid token of any scope, from the
    /// header or an `access_token` query parameter.
    func authorizeQuery(_ request: Request) async throws(MicropubError) -> AccessToken {
        try await authorize(request, bodyToken: request.uri.queryParameters["access_token"].map(String.init), anyOf: [])
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
