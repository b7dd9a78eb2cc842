import Foundation

/// An IndieAuth authorization request (`GET /auth?response_type=code&...`),
/// checked before anything is shown to the owner.
public struct AuthorizationRequest: Sendable, Equatable {
    public var clientId: String
    public var redirectURI: String
    public var state: String
    public var codeChallenge: String
    public var scope: ScopeSet

    /// The request's parameters, to carry through the sign-in and consent forms.
    public var parameters: [(name: String, value: String)] {
        [
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", redirectURI), ("state", state),
            ("code_challenge", codeChallenge), ("code_challenge_method", "S256"), ("scope", scope.description),
        ]
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.clientId == b.clientId && a.redirectURI == b.redirectURI && a.state == b.state
            && a.codeChallenge == b.codeChallenge && a.scope == b.scope
    }

    /// Why a request cannot be used: sent back to a client we trust, or shown on a page when we cannot.
    public enum Failure: Error, Equatable {
        /// The client or its redirect URI cannot be trusted: say so on a page, never redirect.
        case untrusted(String)
        /// A trusted redirect URI exists: send the error back to the client there.
        case redirect(to: String, error: String, description: String, state: String?)
    }

    public static func parse(_ query: [String: String]) throws(Failure) -> AuthorizationRequest {
        guard let clientId = query["client_id"], let client = URLComponents(string: clientId), isWebURL(client) else {
            throw .untrusted("client_id must be the client's http or https URL")
        }
        if let why = clientIdProblem(client) { throw .untrusted("client_id \(why)") }
        guard let redirectURI = query["redirect_uri"], let redirect = URLComponents(string: redirectURI), isWebURL(redirect)
        else {
            throw .untrusted("redirect_uri must be an http or https URL")
        }
        // Without fetching the client's page (we make no outbound requests), only
        // a redirect on the client's own origin can be trusted.
        guard client.scheme?.lowercased() == redirect.scheme?.lowercased(),
            client.host?.lowercased() == redirect.host?.lowercased(), client.port == redirect.port
        else {
            throw .untrusted("redirect_uri \(redirectURI) is not on the same host as client_id \(clientId)")
        }
        guard let state = query["state"], !state.isEmpty else {
            throw .untrusted("the request has no state, so its answer could not be matched by the client")
        }
        // Before the owner has consented nothing redirects, even to a redirect
        // URI on the client's own host: anyone can name any host as a client,
        // and a redirect from our origin would lend it our name (an open redirect).
        func fail(_ error: String, _ description: String) -> Failure {
            .untrusted("\(description) (\(error))")
        }
        guard query["response_type"] == "code" else {
            throw fail("unsupported_response_type", "only response_type=code is supported")
        }
        guard let challenge = query["code_challenge"], (43...128).contains(challenge.count) else {
            throw fail("invalid_request", "a PKCE code_challenge is required")
        }
        guard query["code_challenge_method"] == "S256" else {
            throw fail("invalid_request", "code_challenge_method must be S256")
        }
        // Scopes we do not know are never granted, and need not be refused.
        return AuthorizationRequest(
            clientId: clientId,
            redirectURI: redirectURI,
            state: state,
            codeChallenge: challenge,
            scope: ScopeSet(ScopeSet(query["scope"] ?? "").scopes)
        )
    }

    /// IndieAuth's rules for a client identifier, or nil when it keeps them:
    /// no user name or password, no `.` or `..` path segment, and a domain
    /// name for host (an IP address only if it is the loopback's).
    static func clientIdProblem(_ client: URLComponents) -> String? {
        if client.user != nil || client.password != nil { return "must not contain a user name or password" }
        if client.path.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == "." || $0 == ".." }) {
            return "must not contain . or .. path segments"
        }
        let host = (client.host ?? "").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let isIPv4 =
            host.split(separator: ".", omittingEmptySubsequences: false).count == 4
            && host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { UInt8($0) != nil }
        let isIPv6 = host.contains(":")
        if (isIPv4 && host != "127.0.0.1") || (isIPv6 && host != "::1") {
            return "must name its host, not an IP address (other than the loopback's)"
        }
        return nil
    }

    static func isWebURL(_ url: URLComponents) -> Bool {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else { return false }
        return !(url.host ?? "").isEmpty && url.fragment == nil
    }

    /// `base` with `parameters` added to whatever query it already has.
    public static func redirect(_ base: String, adding parameters: [(String, String)]) -> String {
        guard var components = URLComponents(string: base) else { return base }
        components.queryItems = (components.queryItems ?? []) + parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        // URLComponents leaves "+" alone in queries; clients read it as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? base
    }
}
