import Foundation
import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore

/// The IndieAuth authorization endpoint: server metadata, the sign-in and
/// consent pages, and codes redeemed for the owner's profile.
struct AuthorizationController: Sendable {
    let owner: any OwnerRepository
    let sessions: OwnerSessions
    let renderer: SiteRenderer
    let site: SiteDirectory

    var urls: SiteURLs { site.urls }
    /// The owner's profile URL, and the issuer of every code and token.
    var me: String { urls.home }

    func addRoutes<Context: RequestContext & RemoteAddressRequestContext>(to router: some RouterMethods<Context>) {
        router.get("/.well-known/oauth-authorization-server") { _, _ in metadata() }
        router.get("/auth") { request, _ in try await authorize(request) }
        router.post("/auth") { request, _ in try await redeemForProfile(request) }
        router.post("/auth/sign-in") { request, context in try await signIn(request, address: sessions.address(request, context)) }
        router.post("/auth/consent") { request, context in try await consent(request, address: sessions.address(request, context)) }
    }

    func metadata() -> Response {
        JSONResponse.ok(
            .object([
                "issuer": .string(me),
                "authorization_endpoint": .string(urls.authorization),
                "token_endpoint": .string(urls.token),
                "introspection_endpoint": .string(urls.introspection),
                "revocation_endpoint": .string(urls.revocation),
                "scopes_supported": .array(Scope.allCases.map { .string($0.rawValue) }),
                "response_types_supported": .array([.string("code")]),
                "grant_types_supported": .array([.string("authorization_code"), .string("refresh_token")]),
                "code_challenge_methods_supported": .array([.string("S256")]),
                "authorization_response_iss_parameter_supported": .bool(true),
            ])
        )
    }

    // MARK: Authorization requests

    func authorize(_ request: Request) async throws -> Response {
        // Decoded as a form, so "+" in `scope=create+media` is a space.
        let query = Dictionary(FormEncoding.decode(request.uri.query ?? "").map { ($0.name, $0.value) }) { first, _ in first }
        let authorization: AuthorizationRequest
        do {
            authorization = try AuthorizationRequest.parse(query)
        } catch {
            return try await failure(error)
        }
        guard try await owner.passphraseHash() != nil else {
            return OwnerPage.html(
                .serviceUnavailable,
                renderer.error(
                    site: try await site.info(),
                    status: 503,
                    message: "No owner passphrase is set. Run: microcast owner password --data DIR"
                )
            )
        }
        if let signedIn = try await sessions.session(request) {
            return OwnerPage.html(.ok, try await consentPage(authorization, session: signedIn.session))
        }
        return try await signInPage(hidden: authorization.parameters.map { HiddenField(name: $0.name, value: $0.value) })
    }

    func signInPage(hidden: [HiddenField], error: String = "", status: HTTPResponse.Status = .ok) async throws -> Response {
        let csrf = Secrets.make()
        var response = OwnerPage.html(
            status,
            renderer.signIn(
                site: try await site.info(),
                form: SignInView(action: urls.base + "/auth/sign-in", csrf: csrf, hidden: hidden, error: error)
            )
        )
        response.headers[.setCookie] = Cookies.setCookie(OwnerSessions.csrfCookie, csrf, maxAge: 3600, secure: sessions.secureCookies)
        return response
    }

    func consentPage(_ authorization: AuthorizationRequest, session: OwnerSession, error: String = "") async throws -> String {
        renderer.consent(
            site: try await site.info(),
            form: ConsentView(
                action: urls.base + "/auth/consent",
                csrf: session.csrf,
                clientId: authorization.clientId,
                redirectHost: URLComponents(string: authorization.redirectURI)?.host ?? authorization.redirectURI,
                hidden: authorization.parameters.map { HiddenField(name: $0.name, value: $0.value) },
                scopes: authorization.scope.sorted,
                needsPassphrase: sessions.needsPassphrase(session),
                error: error
            )
        )
    }

    // MARK: Sign-in

    /// Where a signed-in owner goes next: a page of ours (`next`), or back to the authorization request.
    func signIn(_ request: Request, address: String) async throws -> Response {
        let form = try await formFields(request)
        let hidden = form.filter { !["csrf", "passphrase"].contains($0.name) }.map { HiddenField(name: $0.name, value: $0.value) }
        guard let csrf = form.first(where: { $0.name == "csrf" })?.value,
            let cookie = Cookies.value(OwnerSessions.csrfCookie, in: request), Secrets.constantTimeEquals(csrf, cookie)
        else {
            return try await signInPage(hidden: hidden, error: "The form expired. Please try again.", status: .forbidden)
        }
        switch try await sessions.checkPassphrase(form.first { $0.name == "passphrase" }?.value ?? "", address: address) {
        case .wait(let wait):
            return try await signInPage(
                hidden: hidden,
                error: "Too many failed tries. Wait \(Int(wait.rounded(.up))) seconds.",
                status: .tooManyRequests
            )
        case .wrong:
            return try await signInPage(hidden: hidden, error: "That passphrase is not right.", status: .unauthorized)
        case .matches:
            break
        }
        let next: String
        if let target = form.first(where: { $0.name == "next" })?.value, Self.isOwnPage(target, urls: urls) {
            next = target
        } else {
            next = AuthorizationRequest.redirect(urls.authorization, adding: hidden.map { ($0.name, $0.value) })
        }
        var response = OwnerPage.redirect(to: next)
        response.headers[.setCookie] = try await sessions.start()
        return response
    }

    /// A page of this site only the owner sees, never another site (no open redirect).
    static func isOwnPage(_ target: String, urls: SiteURLs) -> Bool {
        target == urls.studio || target.hasPrefix(urls.studio + "/")
    }

    // MARK: Consent

    /// The owner's answer on the consent page.
    struct Decision: Decodable {
        var csrf: String?
        var decision: String?
        var passphrase: String?
        var grant: [String]?
    }

    func consent(_ request: Request, address: String) async throws -> Response {
        // The session is checked before the body is read, the form's CSRF token after.
        guard let (signedIn, form) = try await sessions.form(request) else {
            return OwnerPage.html(
                .forbidden,
                renderer.error(site: try await site.info(), status: 403, message: "Your sign-in expired. Start again from the app.")
            )
        }
        let fields = Dictionary(form.map { ($0.name, $0.value) }) { first, _ in first }
        let decision = Decision(
            csrf: fields["csrf"],
            decision: fields["decision"],
            passphrase: fields["passphrase"],
            grant: form.filter { $0.name == "grant[]" || $0.name == "grant" }.map(\.value)
        )
        let authorization: AuthorizationRequest
        do {
            authorization = try AuthorizationRequest.parse(fields)
        } catch {
            return try await failure(error)
        }
        if decision.decision == "approve" && sessions.needsPassphrase(signedIn.session) {
            switch try await sessions.checkPassphrase(decision.passphrase ?? "", address: address) {
            case .wait(let wait):
                return OwnerPage.html(
                    .tooManyRequests,
                    try await consentPage(
                        authorization,
                        session: signedIn.session,
                        error: "Too many failed tries. Wait \(Int(wait.rounded(.up))) seconds."
                    )
                )
            case .wrong:
                return OwnerPage.html(
                    .unauthorized,
                    try await consentPage(authorization, session: signedIn.session, error: "Give your passphrase again to allow this app.")
                )
            case .matches:
                try await owner.confirmSession(hash: signedIn.hash, at: Date())
            }
        }
        guard decision.decision == "approve" else {
            return redirect(
                authorization.redirectURI,
                [
                    ("error", "access_denied"), ("error_description", "the owner denied the request"), ("state", authorization.state),
                    ("iss", me),
                ]
            )
        }
        let code = Secrets.make()
        try await owner.addCode(
            AuthorizationCode(
                hash: Secrets.hash(code),
                clientId: authorization.clientId,
                redirectURI: authorization.redirectURI,
                codeChallenge: authorization.codeChallenge,
                scope: GrantRules.approved(requested: authorization.scope, ticked: decision.grant ?? []),
                expiresAt: Date().addingTimeInterval(GrantRules.codeLifetime)
            )
        )
        return redirect(authorization.redirectURI, [("code", code), ("state", authorization.state), ("iss", me)])
    }

    /// A code redeemed at the authorization endpoint proves who the user is, and nothing more.
    func redeemForProfile(_ request: Request) async throws -> Response {
        _ = try await TokenController.redeem(try await decodeForm(TokenController.CodeForm.self, from: request), owner: owner)
        return JSONResponse.ok(.object(["me": .string(me)]))
    }

    // MARK: Helpers

    func failure(_ error: AuthorizationRequest.Failure) async throws -> Response {
        switch error {
        case .untrusted(let why):
            return OwnerPage.html(
                .badRequest,
                renderer.error(site: try await site.info(), status: 400, message: "This sign-in request cannot be used: \(why).")
            )
        case .redirect(let target, let code, let description, let state):
            var parameters = [("error", code), ("error_description", description), ("iss", me)]
            if let state { parameters.append(("state", state)) }
            return redirect(target, parameters)
        }
    }

    func redirect(_ target: String, _ parameters: [(String, String)]) -> Response {
        Response(status: .found, headers: [.location: AuthorizationRequest.redirect(target, adding: parameters)])
    }
}
