import Foundation
import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore

/// The IndieAuth token endpoint: codes (with PKCE) and refresh tokens
/// exchanged for tokens, the older GET verification, introspection and
/// revocation (RFC 7009).
struct TokenController: Sendable {
    let owner: any OwnerRepository
    let tokens: any TokenRepository
    let authenticator: Authenticator
    let urls: SiteURLs

    var me: String { urls.home }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.post("/token") { request, _ in try await token(request) }
        router.get("/token") { request, _ in try await verify(request) }
        router.post("/token/introspect") { request, _ in try await introspect(request) }
        router.post("/token/revoke") { request, _ in try await revoke(request) }
    }

    /// A token request's fields, whichever grant it is for.
    struct TokenForm: Decodable {
        var grant_type: String?
        var code: String?
        var client_id: String?
        var redirect_uri: String?
        var code_verifier: String?
        var refresh_token: String?
        var scope: String?
    }

    /// What redeeming a code takes.
    struct CodeForm: Decodable {
        var code: String?
        var client_id: String?
        var redirect_uri: String?
        var code_verifier: String?
    }

    struct TokenOnlyForm: Decodable {
        var token: String?
    }

    func token(_ request: Request) async throws -> Response {
        let form = try await decodeForm(TokenForm.self, from: request)
        switch form.grant_type {
        case "authorization_code":
            let code = try await Self.redeem(
                CodeForm(code: form.code, client_id: form.client_id, redirect_uri: form.redirect_uri, code_verifier: form.code_verifier),
                owner: owner
            )
            guard !code.scope.isEmpty else { return JSONResponse.ok(.object(["me": .string(me)])) }
            return try await issue(scope: code.scope, clientId: code.clientId, grant: nil)
        case "refresh_token":
            guard let presented = form.refresh_token, let clientId = form.client_id else {
                throw OAuthError.invalidRequest("refresh_token and client_id are required")
            }
            // Rotation (OAuth 2.0 Security BCP 4.14): each refresh token buys
            // one new pair; one presented twice was copied, and ends its grant.
            let refresh: AccessToken
            switch try await tokens.redeemRefreshToken(hash: Secrets.hash(presented), now: Date()) {
            case .valid(let token) where token.clientId == clientId:
                refresh = token
            case .valid(let token):
                try await tokens.revokeToken(hash: token.hash, now: Date())
                throw OAuthError.invalidGrant("the refresh token is not valid for this client")
            case .reused:
                throw OAuthError.invalidGrant("the refresh token was already used; the grant is revoked")
            case .unknown:
                throw OAuthError.invalidGrant("the refresh token is not valid for this client")
            }
            return try await issue(
                scope: GrantRules.refreshed(granted: refresh.scope, asked: form.scope),
                clientId: clientId,
                grant: refresh.grant
            )
        case nil:
            throw OAuthError.invalidRequest("grant_type is required")
        case let other?:
            throw OAuthError(error: "unsupported_grant_type", description: "grant_type \(other) is not supported")
        }
    }

    /// Checks a code against everything it was bound to, and spends it.
    static func redeem(_ form: CodeForm, owner: any OwnerRepository) async throws -> AuthorizationCode {
        guard let code = form.code, let clientId = form.client_id, let redirectURI = form.redirect_uri, let verifier = form.code_verifier
        else { throw OAuthError.invalidRequest("code, client_id, redirect_uri and code_verifier are required") }
        guard let issued = try await owner.redeemCode(hash: Secrets.hash(code), now: Date()) else {
            throw OAuthError.invalidGrant("the code is unknown, already used or expired")
        }
        if let problem = GrantRules.problem(redeeming: issued, clientId: clientId, redirectURI: redirectURI, verifier: verifier) {
            throw OAuthError.invalidGrant(problem)
        }
        return issued
    }

    /// A new access and refresh token of `grant` (a new grant when nil).
    func issue(scope: ScopeSet, clientId: String, grant: String?) async throws -> Response {
        let grant = grant ?? UUID().uuidString.lowercased()
        let now = Date()
        let access = Secrets.make()
        let refresh = Secrets.make()
        try await tokens.addToken(
            AccessToken(
                hash: Secrets.hash(access),
                kind: .access,
                scope: scope,
                clientId: clientId,
                grant: grant,
                createdAt: now,
                expiresAt: now.addingTimeInterval(GrantRules.accessLifetime)
            )
        )
        try await tokens.addToken(
            AccessToken(
                hash: Secrets.hash(refresh),
                kind: .refresh,
                scope: scope,
                clientId: clientId,
                grant: grant,
                createdAt: now,
                expiresAt: now.addingTimeInterval(GrantRules.refreshLifetime)
            )
        )
        var response = JSONResponse.ok(
            .object([
                "access_token": .string(access), "token_type": .string("Bearer"), "scope": .string(scope.description),
                "me": .string(me), "expires_in": .integer(Int64(GrantRules.accessLifetime)), "refresh_token": .string(refresh),
            ])
        )
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The older IndieAuth token verification: GET with the token as Bearer.
    func verify(_ request: Request) async throws -> Response {
        let token = try await authenticator.authorize(request, bodyToken: nil, anyOf: [])
        return JSONResponse.ok(
            .object(["me": .string(me), "client_id": .string(token.clientId ?? ""), "scope": .string(token.scope.description)])
        )
    }

    func introspect(_ request: Request) async throws -> Response {
        _ = try await authenticator.authorize(request, bodyToken: nil, anyOf: [])
        guard let presented = try await decodeForm(TokenOnlyForm.self, from: request).token else {
            throw OAuthError.invalidRequest("token is required")
        }
        guard let token = try await tokens.token(hash: Secrets.hash(presented), kind: .access, now: Date()) else {
            return JSONResponse.ok(.object(["active": .bool(false)]))
        }
        var answer: [String: JSONValue] = [
            "active": .bool(true), "me": .string(me), "scope": .string(token.scope.description),
            "iat": .integer(Int64(token.createdAt.timeIntervalSince1970)),
        ]
        if let client = token.clientId { answer["client_id"] = .string(client) }
        if let expires = token.expiresAt { answer["exp"] = .integer(Int64(expires.timeIntervalSince1970)) }
        return JSONResponse.ok(.object(answer))
    }

    /// RFC 7009: answers 200 whether or not the token was known.
    func revoke(_ request: Request) async throws -> Response {
        guard let presented = try await decodeForm(TokenOnlyForm.self, from: request).token else {
            throw OAuthError.invalidRequest("token is required")
        }
        try await tokens.revokeToken(hash: Secrets.hash(presented), now: Date())
        return Response(status: .ok)
    }
}
