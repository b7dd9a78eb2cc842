import Foundation
import HTTPTypes
import Hummingbird
import MicrocastCore
import NIOCore
import NIOPosix

/// The built-in IndieAuth server: metadata, the authorization endpoint with
/// sign-in and consent pages, the token endpoint (codes with PKCE, refresh),
/// introspection, revocation, and the owner's token list.
struct IndieAuthController: Sendable {
    let owner: any OwnerRepository
    let tokens: any TokenRepository
    let authenticator: Authenticator
    let renderer: SiteRenderer
    let site: SiteInfo
    let throttle: SignInThrottle
    let threadPool: NIOThreadPool
    /// Proxies whose `Forwarded` or `X-Forwarded-For` names the visitor's address.
    var trustedProxies: Set<String> = []
    let checks = CheckLimiter(limit: 2)
    /// How long after giving the passphrase the owner may approve a client without giving it again.
    var reauthenticateAfter: TimeInterval = 300

    static let accessLifetime: TimeInterval = 14 * 86_400
    static let refreshLifetime: TimeInterval = 365 * 86_400
    static let codeLifetime: TimeInterval = 600
    static let sessionLifetime: TimeInterval = 7 * 86_400
    static let sessionCookie = "mc_session"
    static let csrfCookie = "mc_csrf"

    var urls: SiteURLs { site.urls }
    var secureCookies: Bool { urls.base.lowercased().hasPrefix("https://") }
    /// The owner's profile URL, and the issuer of every code and token.
    var me: String { urls.home }

    func addRoutes<Context: RequestContext & RemoteAddressRequestContext>(to router: some RouterMethods<Context>) {
        router.get("/.well-known/oauth-authorization-server") { _, _ in metadata() }
        router.get("/auth") { request, _ in try await authorize(request) }
        router.post("/auth") { request, _ in try await redeemForProfile(request) }
        router.post("/auth/sign-in") { request, context in try await signIn(request, address: address(request, context)) }
        router.post("/auth/consent") { request, context in try await consent(request, address: address(request, context)) }
        router.get("/auth/tokens") { request, _ in try await tokenList(request) }
        router.post("/auth/tokens/revoke") { request, _ in try await revokeFromList(request) }
        router.post("/token") { request, _ in try await token(request) }
        router.get("/token") { request, _ in try await verify(request) }
        router.post("/token/introspect") { request, _ in try await introspect(request) }
        router.post("/token/revoke") { request, _ in try await revoke(request) }
    }

    // MARK: Metadata

    func metadata() -> Response {
        JSONResponse.ok(
            .object([
                "issuer": .string(me),
                "authorization_endpoint": .string(urls.authorization),
                "token_endpoint": .string(urls.token),
                "introspection_endpoint": .string(urls.introspection),
                "revocation_endpoint": .string(urls.revocation),
                "scopes_supported": .array(ScopeSet.known.sorted().map(JSONValue.string)),
                "response_types_supported": .array([.string("code")]),
                "grant_types_supported": .array([.string("authorization_code"), .string("refresh_token")]),
                "code_challenge_methods_supported": .array([.string("S256")]),
                "authorization_response_iss_parameter_supported": .bool(true),
            ]))
    }

    // MARK: Authorization endpoint

    func authorize(_ request: Request) async throws -> Response {
        // Decoded as a form, so "+" in `scope=create+media` is a space.
        let query = Dictionary(FormEncoding.decode(request.uri.query ?? "").map { ($0.name, $0.value) }) { first, _ in first }
        let authorization: AuthorizationRequest
        do {
            authorization = try AuthorizationRequest.parse(query)
        } catch {
            return failure(error)
        }
        guard try await owner.passphraseHash() != nil else {
            return page(.serviceUnavailable, renderer.error(
                site: site, status: 503, message: "No owner passphrase is set. Run: microcast owner password --data DIR"))
        }
        if let signedIn = try await session(request) {
            return page(.ok, consentPage(authorization, session: signedIn.session))
        }
        return signInPage(hidden: authorization.parameters.map { HiddenField(name: $0.name, value: $0.value) })
    }

    func signInPage(hidden: [HiddenField], error: String = "", status: HTTPResponse.Status = .ok) -> Response {
        let csrf = Secrets.make()
        var response = page(status, renderer.signIn(
            site: site, form: SignInView(action: urls.base + "/auth/sign-in", csrf: csrf, hidden: hidden, error: error)))
        response.headers[.setCookie] = Cookies.setCookie(Self.csrfCookie, csrf, maxAge: 3600, secure: secureCookies)
        return response
    }

    func consentPage(_ authorization: AuthorizationRequest, session: OwnerSession, error: String = "") -> String {
        renderer.consent(
            site: site,
            form: ConsentView(
                action: urls.base + "/auth/consent", csrf: session.csrf, clientId: authorization.clientId,
                redirectHost: URLComponents(string: authorization.redirectURI)?.host ?? authorization.redirectURI,
                hidden: authorization.parameters.map { HiddenField(name: $0.name, value: $0.value) },
                scopes: authorization.scope.words.sorted(), needsPassphrase: needsPassphrase(session), error: error))
    }

    /// A session signed in a while ago (a browser left open, a stolen cookie)
    /// may not approve a client without the passphrase.
    func needsPassphrase(_ session: OwnerSession) -> Bool {
        Date().timeIntervalSince(session.signedInAt) > reauthenticateAfter
    }

    /// What a passphrase check came to.
    enum PassphraseCheck {
        case matches
        case wrong
        case wait(TimeInterval)
    }

    /// Checks the passphrase under the throttle: the try is reserved before
    /// the check, so parallel guesses are all counted; scrypt, deliberately
    /// slow and memory-hard, runs off the event loop, two at a time.
    func checkPassphrase(_ passphrase: String, address: String) async throws -> PassphraseCheck {
        if case .wait(let wait) = await throttle.reserve(address) { return .wait(wait) }
        let stored = try await owner.passphraseHash()
        let threadPool = self.threadPool
        let matches = try await checks.run {
            try await threadPool.runIfActive { stored.map { PassphraseHasher.verify(passphrase, against: $0) } ?? false }
        }
        guard matches else { return .wrong }
        await throttle.succeeded(address)
        return .matches
    }

    func address<Context: RemoteAddressRequestContext>(_ request: Request, _ context: Context) -> String {
        ClientAddress.resolve(
            remote: context.remoteAddress?.ipAddress ?? "unknown", forwardedFor: request.headers[.xForwardedFor],
            forwarded: request.headers[.forwarded], trustedProxies: trustedProxies)
    }

    func signIn(_ request: Request, address: String) async throws -> Response {
        let form = try await formFields(request)
        let hidden = form.filter { !["csrf", "passphrase"].contains($0.name) }.map { HiddenField(name: $0.name, value: $0.value) }
        guard let csrf = form.first(where: { $0.name == "csrf" })?.value,
            let cookie = Cookies.value(Self.csrfCookie, in: request), Secrets.constantTimeEquals(csrf, cookie)
        else {
            return signInPage(hidden: hidden, error: "The form expired. Please try again.", status: .forbidden)
        }
        switch try await checkPassphrase(form.first { $0.name == "passphrase" }?.value ?? "", address: address) {
        case .wait(let wait):
            return signInPage(
                hidden: hidden, error: "Too many failed tries. Wait \(Int(wait.rounded(.up))) seconds.", status: .tooManyRequests)
        case .wrong:
            return signInPage(hidden: hidden, error: "That passphrase is not right.", status: .unauthorized)
        case .matches:
            break
        }
        let session = Secrets.make()
        let now = Date()
        try await owner.addSession(
            hash: Secrets.hash(session), csrf: Secrets.make(), signedInAt: now, expiresAt: now.addingTimeInterval(Self.sessionLifetime))
        let next: String
        if let target = form.first(where: { $0.name == "next" })?.value, target == urls.ownerTokens {
            next = target
        } else {
            next = AuthorizationRequest.redirect(urls.authorization, adding: hidden.map { ($0.name, $0.value) })
        }
        var response = Response(status: .seeOther, headers: [.location: next])
        response.headers[.setCookie] = Cookies.setCookie(
            Self.sessionCookie, session, maxAge: Int(Self.sessionLifetime), secure: secureCookies)
        return response
    }

    func consent(_ request: Request, address: String) async throws -> Response {
        let form = try await formFields(request)
        guard let signedIn = try await session(request), let sent = form.first(where: { $0.name == "csrf" })?.value,
            Secrets.constantTimeEquals(signedIn.session.csrf, sent)
        else {
            return page(.forbidden, renderer.error(site: site, status: 403, message: "Your sign-in expired. Start again from the app."))
        }
        let fields = Dictionary(form.map { ($0.name, $0.value) }) { first, _ in first }
        let authorization: AuthorizationRequest
        do {
            authorization = try AuthorizationRequest.parse(fields)
        } catch {
            return failure(error)
        }
        if fields["decision"] == "approve" && needsPassphrase(signedIn.session) {
            switch try await checkPassphrase(fields["passphrase"] ?? "", address: address) {
            case .wait(let wait):
                return page(.tooManyRequests, consentPage(
                    authorization, session: signedIn.session, error: "Too many failed tries. Wait \(Int(wait.rounded(.up))) seconds."))
            case .wrong:
                return page(.unauthorized, consentPage(
                    authorization, session: signedIn.session, error: "Give your passphrase again to allow this app."))
            case .matches:
                try await owner.confirmSession(hash: signedIn.hash, at: Date())
            }
        }
        guard fields["decision"] == "approve" else {
            return redirect(authorization.redirectURI, [
                ("error", "access_denied"), ("error_description", "the owner denied the request"),
                ("state", authorization.state), ("iss", me),
            ])
        }
        let granted = Set(form.filter { $0.name == "grant[]" || $0.name == "grant" }.map(\.value))
        let scope = ScopeSet(authorization.scope.words.intersection(granted).sorted().joined(separator: " "))
        let code = Secrets.make()
        try await owner.addCode(
            AuthorizationCode(
                hash: Secrets.hash(code), clientId: authorization.clientId, redirectURI: authorization.redirectURI,
                codeChallenge: authorization.codeChallenge, scope: scope,
                expiresAt: Date().addingTimeInterval(Self.codeLifetime)))
        return redirect(authorization.redirectURI, [("code", code), ("state", authorization.state), ("iss", me)])
    }

    /// A code redeemed at the authorization endpoint proves who the user is, and nothing more.
    func redeemForProfile(_ request: Request) async throws -> Response {
        let fields = try await formDictionary(request)
        _ = try await redeem(fields)
        return JSONResponse.ok(.object(["me": .string(me)]))
    }

    // MARK: Token endpoint

    func token(_ request: Request) async throws -> Response {
        let fields = try await formDictionary(request)
        switch fields["grant_type"] {
        case "authorization_code":
            let code = try await redeem(fields)
            guard !code.scope.words.isEmpty else {
                return JSONResponse.ok(.object(["me": .string(me)]))
            }
            return try await issue(scope: code.scope, clientId: code.clientId, grant: UUID().uuidString.lowercased())
        case "refresh_token":
            guard let presented = fields["refresh_token"], let clientId = fields["client_id"] else {
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
            // A narrower scope may be asked for; never a wider one.
            let asked = fields["scope"].map(ScopeSet.init)?.words ?? refresh.scope.words
            let scope = ScopeSet(refresh.scope.words.intersection(asked).sorted().joined(separator: " "))
            return try await issue(scope: scope, clientId: clientId, grant: refresh.grant)
        case nil:
            throw OAuthError.invalidRequest("grant_type is required")
        case let other?:
            throw OAuthError(error: "unsupported_grant_type", description: "grant_type \(other) is not supported")
        }
    }

    /// Checks a code against everything it was bound to, and spends it.
    func redeem(_ fields: [String: String]) async throws -> AuthorizationCode {
        guard let code = fields["code"], let clientId = fields["client_id"], let redirectURI = fields["redirect_uri"],
            let verifier = fields["code_verifier"]
        else { throw OAuthError.invalidRequest("code, client_id, redirect_uri and code_verifier are required") }
        guard let issued = try await owner.redeemCode(hash: Secrets.hash(code), now: Date()) else {
            throw OAuthError.invalidGrant("the code is unknown, already used or expired")
        }
        guard issued.clientId == clientId else { throw OAuthError.invalidGrant("the code was issued to another client") }
        guard issued.redirectURI == redirectURI else { throw OAuthError.invalidGrant("redirect_uri does not match the request") }
        guard PKCE.verify(verifier: verifier, challenge: issued.codeChallenge) else {
            throw OAuthError.invalidGrant("code_verifier does not match the code_challenge")
        }
        return issued
    }

    /// A new access and refresh token of `grant`.
    func issue(scope: ScopeSet, clientId: String, grant: String?) async throws -> Response {
        let grant = grant ?? UUID().uuidString.lowercased()
        let now = Date()
        let access = Secrets.make()
        let refresh = Secrets.make()
        try await tokens.addToken(
            AccessToken(
                hash: Secrets.hash(access), kind: .access, scope: scope, clientId: clientId, grant: grant, createdAt: now,
                expiresAt: now.addingTimeInterval(Self.accessLifetime)))
        try await tokens.addToken(
            AccessToken(
                hash: Secrets.hash(refresh), kind: .refresh, scope: scope, clientId: clientId, grant: grant, createdAt: now,
                expiresAt: now.addingTimeInterval(Self.refreshLifetime)))
        var response = JSONResponse.ok(
            .object([
                "access_token": .string(access), "token_type": .string("Bearer"), "scope": .string(scope.description),
                "me": .string(me), "expires_in": .integer(Int64(Self.accessLifetime)), "refresh_token": .string(refresh),
            ]))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The older IndieAuth token verification: GET with the token as Bearer.
    func verify(_ request: Request) async throws -> Response {
        let token = try await authenticator.authorize(request, bodyToken: nil, anyOf: [])
        return JSONResponse.ok(
            .object(["me": .string(me), "client_id": .string(token.clientId ?? ""), "scope": .string(token.scope.description)]))
    }

    func introspect(_ request: Request) async throws -> Response {
        _ = try await authenticator.authorize(request, bodyToken: nil, anyOf: [])
        let fields = try await formDictionary(request)
        guard let presented = fields["token"] else { throw OAuthError.invalidRequest("token is required") }
        let now = Date()
        guard let token = try await tokens.token(hash: Secrets.hash(presented), kind: .access, now: now) else {
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
        let fields = try await formDictionary(request)
        guard let presented = fields["token"] else { throw OAuthError.invalidRequest("token is required") }
        try await tokens.revokeToken(hash: Secrets.hash(presented), now: Date())
        return Response(status: .ok)
    }

    // MARK: The owner's token list

    func tokenList(_ request: Request) async throws -> Response {
        guard let csrf = try await session(request)?.session.csrf else {
            return signInPage(hidden: [HiddenField(name: "next", value: urls.ownerTokens)])
        }
        let now = Date()
        let formatter = ISO8601DateFormatter()
        let rows = TokenGrant.group(try await tokens.allTokens(), now: now).map { grant in
            TokenListView.Row(
                id: grant.id, client: grant.clientId ?? "command line", scope: grant.scope.description,
                created: formatter.string(from: grant.created), expires: grant.expires.map(formatter.string) ?? "never",
                status: grant.isRefreshOnly ? "active (refresh only)" : grant.status.rawValue, isLive: grant.status == .active)
        }
        var response = page(.ok, renderer.tokens(
            site: site, list: TokenListView(action: urls.base + "/auth/tokens/revoke", csrf: csrf, rows: rows)))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    func revokeFromList(_ request: Request) async throws -> Response {
        let fields = try await formDictionary(request)
        guard let csrf = try await session(request)?.session.csrf, let sent = fields["csrf"], Secrets.constantTimeEquals(csrf, sent),
            let id = fields["id"].flatMap(Int64.init)
        else {
            return page(.forbidden, renderer.error(site: site, status: 403, message: "Your sign-in expired. Sign in again."))
        }
        _ = try await tokens.revokeToken(id: id, now: Date())
        return Response(status: .seeOther, headers: [.location: urls.ownerTokens])
    }

    // MARK: Helpers

    /// The signed-in owner's session, if the request carries a live one.
    func session(_ request: Request) async throws -> (hash: String, session: OwnerSession)? {
        guard let cookie = Cookies.value(Self.sessionCookie, in: request) else { return nil }
        let hash = Secrets.hash(cookie)
        return try await owner.session(hash: hash, now: Date()).map { (hash, $0) }
    }

    func formFields(_ request: Request) async throws -> [(name: String, value: String)] {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw OAuthError.invalidRequest("send the form as application/x-www-form-urlencoded")
        }
        return FormEncoding.decode(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
    }

    func formDictionary(_ request: Request) async throws -> [String: String] {
        Dictionary(try await formFields(request).map { ($0.name, $0.value) }) { first, _ in first }
    }

    func failure(_ error: AuthorizationRequest.Failure) -> Response {
        switch error {
        case .untrusted(let why):
            return page(.badRequest, renderer.error(site: site, status: 400, message: "This sign-in request cannot be used: \(why)."))
        case .redirect(let target, let code, let description, let state):
            var parameters = [("error", code), ("error_description", description), ("iss", me)]
            if let state { parameters.append(("state", state)) }
            return redirect(target, parameters)
        }
    }

    func redirect(_ target: String, _ parameters: [(String, String)]) -> Response {
        Response(status: .found, headers: [.location: AuthorizationRequest.redirect(target, adding: parameters)])
    }

    func page(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// OAuth 2.0 token endpoint errors (RFC 6749 §5.2): JSON, status 400.
struct OAuthError: Error, HTTPResponseError {
    var error: String
    var description: String
    var status: HTTPResponse.Status { error == "invalid_client" ? .unauthorized : .badRequest }

    static func invalidRequest(_ description: String) -> OAuthError { .init(error: "invalid_request", description: description) }
    static func invalidGrant(_ description: String) -> OAuthError { .init(error: "invalid_grant", description: description) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder.sorted.encode(["error": error, "error_description": description])
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
