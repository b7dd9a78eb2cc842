import Foundation
import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore
import NIOPosix

/// The owner's browser sessions, shared by every page only the owner sees
/// (consent, the apps list, the studio): the session cookie, its CSRF token,
/// and the passphrase check behind the sign-in throttle.
struct OwnerSessions: Sendable {
    let owner: any OwnerRepository
    let urls: SiteURLs
    let throttle: SignInThrottle
    let threadPool: NIOThreadPool
    /// Proxies whose `Forwarded` or `X-Forwarded-For` names the visitor's address.
    let trustedProxies: Set<String>
    /// How long after giving the passphrase the owner may approve a client without giving it again.
    let reauthenticateAfter: TimeInterval
    let checks = CheckLimiter(limit: 2)

    static let lifetime: TimeInterval = 7 * 86_400
    static let sessionCookie = "mc_session"
    static let csrfCookie = "mc_csrf"

    var secureCookies: Bool { urls.base.lowercased().hasPrefix("https://") }

    /// A signed-in browser: its session and the hash its cookie is stored by.
    struct SignedIn: Sendable {
        var hash: String
        var session: OwnerSession
        var csrf: String { session.csrf }
    }

    /// The signed-in owner's session, if the request carries a live one.
    func session(_ request: Request) async throws -> SignedIn? {
        guard let cookie = Cookies.value(Self.sessionCookie, in: request) else { return nil }
        let hash = Secrets.hash(cookie)
        return try await owner.session(hash: hash, now: Date()).map { SignedIn(hash: hash, session: $0) }
    }

    /// The session, if the form's CSRF token is its own (compared in constant time).
    func session(_ request: Request, csrf sent: String?) async throws -> SignedIn? {
        guard let signedIn = try await session(request), let sent, Secrets.constantTimeEquals(signedIn.csrf, sent) else { return nil }
        return signedIn
    }

    /// An owner's form: the session cookie is checked before any of the body
    /// is read, and the form's CSRF token once it is; nil when either is wrong.
    func form(_ request: Request) async throws -> (signedIn: SignedIn, fields: [(name: String, value: String)])? {
        guard let signedIn = try await session(request) else { return nil }
        let fields = try await formFields(request)
        guard let sent = fields.first(where: { $0.name == "csrf" })?.value, Secrets.constantTimeEquals(signedIn.csrf, sent) else {
            return nil
        }
        return (signedIn, fields)
    }

    /// Starts a session; returns the `Set-Cookie` value for it.
    func start(now: Date = Date()) async throws -> String {
        let session = Secrets.make()
        try await owner.addSession(
            hash: Secrets.hash(session),
            csrf: Secrets.make(),
            signedInAt: now,
            expiresAt: now.addingTimeInterval(Self.lifetime)
        )
        return Cookies.setCookie(Self.sessionCookie, session, maxAge: Int(Self.lifetime), secure: secureCookies)
    }

    /// Ends the request's session; returns the `Set-Cookie` value that clears the cookie.
    func end(_ request: Request) async throws -> String {
        if let signedIn = try await session(request) { try await owner.removeSession(hash: signedIn.hash) }
        return Cookies.setCookie(Self.sessionCookie, "", maxAge: 0, secure: secureCookies)
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

    /// The visitor's address, as the throttle counts it.
    func address<Context: RemoteAddressRequestContext>(_ request: Request, _ context: Context) -> String {
        ClientAddress.resolve(
            remote: context.remoteAddress?.ipAddress ?? "unknown",
            forwardedFor: request.headers[.xForwardedFor],
            forwarded: request.headers[.forwarded],
            trustedProxies: trustedProxies
        )
    }
}

/// Answers for the owner's pages: HTML, never cached.
enum OwnerPage {
    static func html(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}

/// A form body decoded into `T`: only `application/x-www-form-urlencoded`, at most 64 KB.
func decodeForm<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
    guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
        throw OAuthError.invalidRequest("send the form as application/x-www-form-urlencoded")
    }
    let body = String(buffer: try await request.body.collect(upTo: 64 * 1024))
    do {
        return try URLEncodedFormDecoder().decode(T.self, from: body)
    } catch {
        throw OAuthError.invalidRequest("the form cannot be read: a field is missing or repeated")
    }
}

/// A form body as ordered name/value pairs (for forms that carry an authorization request along).
func formFields(_ request: Request) async throws -> [(name: String, value: String)] {
    guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
        throw OAuthError.invalidRequest("send the form as application/x-www-form-urlencoded")
    }
    return FormEncoding.decode(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
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
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
