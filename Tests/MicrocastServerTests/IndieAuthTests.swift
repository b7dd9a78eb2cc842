import Foundation
import MediaModel
import MicrocastCore
import TestSupport
import Testing

@testable import MicrocastHTTP

/// A Micropub client signing in through the built-in IndieAuth server, step by
/// step as Quill or Indigenous would, against the real server on loopback.
@Suite("IndieAuth sign-in")
struct IndieAuthTests {

    struct Client {
        let id = "http://127.0.0.1:9/"
        let redirect = "http://127.0.0.1:9/callback"
        let verifier = Secrets.make()
        var challenge: String { PKCE.challenge(for: verifier) }
        let state = Secrets.make()
    }

    func post(
        _ site: TestSite,
        _ url: String,
        _ fields: [(String, String)],
        cookies: [String] = [],
        bearer: String? = nil
    ) async throws -> TestSite.Reply {
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if !cookies.isEmpty { headers.append(("Cookie", cookies.joined(separator: "; "))) }
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        return try await site.request(url, method: .POST, headers: headers, body: WebForms.encode(fields))
    }

    func authorizationURL(
        _ site: TestSite,
        _ client: Client,
        scope: String = "create media",
        extra: [(String, String)] = [],
        drop: String? = nil
    ) -> String {
        let parameters = [
            ("response_type", "code"), ("client_id", client.id), ("redirect_uri", client.redirect), ("state", client.state),
            ("code_challenge", client.challenge), ("code_challenge_method", "S256"), ("scope", scope), ("me", site.base + "/"),
        ].filter { $0.0 != drop }.map { pair in extra.first { $0.0 == pair.0 } ?? pair }
        return AuthorizationRequest.redirect(site.base + "/auth", adding: parameters)
    }

    /// Signs in and approves; returns the redirect back to the client.
    func approve(_ site: TestSite, _ client: Client, scope: String = "create media", grant: [String]? = nil) async throws -> String {
        let signInPage = try await site.get(authorizationURL(site, client, scope: scope))
        #expect(signInPage.status == .ok)
        let csrfCookie = try #require(WebForms.cookie("mc_csrf", in: signInPage))
        let signedIn = try await post(
            site,
            site.base + "/auth/sign-in",
            WebForms.hiddenFields(signInPage.text) + [("passphrase", OwnerSession.passphrase)],
            cookies: ["mc_csrf=\(csrfCookie)"]
        )
        #expect(signedIn.status == .seeOther)
        let session = try #require(WebForms.cookie("mc_session", in: signedIn))
        let setCookie = signedIn.headers["Set-Cookie"].joined()
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))

        let consentPage = try await site.get(try #require(signedIn.headers.first(name: "Location")), headers: [("Cookie", "mc_session=\(session)")])
        #expect(consentPage.status == .ok)
        #expect(consentPage.text.contains("Allow \(client.id)?"))
        let granted = (grant ?? scope.split(separator: " ").map(String.init)).map { ("grant[]", $0) }
        let decided = try await post(
            site,
            site.base + "/auth/consent",
            WebForms.hiddenFields(consentPage.text) + granted + [("decision", "approve")],
            cookies: ["mc_session=\(session)"]
        )
        #expect(decided.status == .found)
        return try #require(decided.headers.first(name: "Location"))
    }

    func exchange(_ site: TestSite, _ client: Client, code: String, verifier: String? = nil, redirect: String? = nil) async throws -> TestSite.Reply {
        try await post(
            site,
            site.base + "/token",
            [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", client.id),
                ("redirect_uri", redirect ?? client.redirect), ("code_verifier", verifier ?? client.verifier),
            ]
        )
    }

    func withOwner(_ body: (TestSite) async throws -> Void) async throws {
        try await TestSite.run { site in
            try await site.store.setPassphraseHash(try PassphraseHasher.hash(OwnerSession.passphrase), now: Date())
            try await body(site)
        }
    }

    @Test("discover, sign in, approve, exchange with PKCE, post a photo, refresh, introspect and revoke")
    func fullFlow() async throws {
        try await withOwner { site in
            // Discovery from the home page, by header and by mf2 rels.
            let home = try await site.get("/")
            let link = try #require(home.headers.first(name: "Link"))
            // Header-only discovery starts with HEAD: same headers, no body.
            let head = try await site.request("/", method: .HEAD)
            #expect(head.headers.first(name: "Link") == link)
            #expect(head.headers.first(name: "Content-Length") == "\(home.body.count)")
            #expect(head.body.isEmpty)
            #expect(link.contains("rel=\"indieauth-metadata\"") && link.contains("rel=\"authorization_endpoint\""))
            let rels = try await Fixtures.microformats(html: home.text, url: site.base + "/")["rels"] as? [String: [String]] ?? [:]
            let metadataURL = try #require(rels["indieauth-metadata"]?.first)
            #expect(rels["token_endpoint"]?.first == site.base + "/token")
            let metadata = try await site.get(metadataURL).json
            #expect(metadata["issuer"] as? String == site.base + "/")
            #expect(metadata["code_challenge_methods_supported"] as? [String] == ["S256"])
            for key in ["authorization_endpoint", "token_endpoint", "introspection_endpoint", "revocation_endpoint", "scopes_supported"] {
                #expect(metadata[key] != nil, "metadata lacks \(key)")
            }

            let client = Client()
            let back = try await approve(site, client)
            let answer = WebForms.query(back)
            #expect(back.hasPrefix(client.redirect + "?"))
            #expect(answer["state"] == client.state)
            #expect(answer["iss"] == site.base + "/")
            let code = try #require(answer["code"])

            let issued = try await exchange(site, client, code: code)
            #expect(issued.status == .ok)
            #expect(issued.headers.first(name: "Cache-Control") == "no-store")
            let access = try #require(issued.json["access_token"] as? String)
            let refresh = try #require(issued.json["refresh_token"] as? String)
            #expect(issued.json["token_type"] as? String == "Bearer")
            #expect(issued.json["scope"] as? String == "create media")
            #expect(issued.json["me"] as? String == site.base + "/")
            #expect((issued.json["expires_in"] as? Int ?? 0) > 0)

            // The token works for what a client does next.
            let photo = try site.created(try await site.upload(try await Fixtures.png(in: try Fixtures.folder()), token: access))
            let entry = try site.created(try await site.postForm([("h", "entry"), ("content", "Signed in"), ("photo", photo)], token: access))
            #expect(try await site.get(entry).status == .ok)
            // Not more than was granted.
            #expect(try await site.postJSON(#"{"action":"delete","url":""# + entry + #""}"#, token: access).status == .forbidden)

            // Refresh rotates: a new pair, and the old refresh token is spent.
            let refreshed = try await post(
                site,
                site.base + "/token",
                [("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", client.id)]
            )
            #expect(refreshed.status == .ok)
            let newAccess = try #require(refreshed.json["access_token"] as? String)
            #expect(refreshed.json["refresh_token"] as? String != refresh)

            let introspected = try await post(site, site.base + "/token/introspect", [("token", newAccess)], bearer: newAccess)
            #expect(introspected.json["active"] as? Bool == true)
            #expect(introspected.json["client_id"] as? String == client.id)
            #expect(introspected.json["scope"] as? String == "create media")
            #expect(introspected.json["me"] as? String == site.base + "/")
            #expect(introspected.json["exp"] as? Int != nil && introspected.json["iat"] as? Int != nil)
            #expect(try await post(site, site.base + "/token/introspect", [("token", newAccess)]).status == .unauthorized)

            #expect(try await post(site, site.base + "/token/revoke", [("token", newAccess)]).status == .ok)
            let afterRevoke = try await site.postForm([("h", "entry"), ("content", "Too late")], token: newAccess)
            #expect(afterRevoke.status == .unauthorized)
            // (The first access token went with its grant; any valid token may ask.)
            let inactive = try await post(site, site.base + "/token/introspect", [("token", newAccess)], bearer: try await site.token("media"))
            #expect(inactive.json["active"] as? Bool == false)
        }
    }

    @Test("an unticked scope is not granted, and a profile-only request returns me without a token")
    func narrowing() async throws {
        try await withOwner { site in
            let client = Client()
            let code = try #require(WebForms.query(try await approve(site, client, scope: "create media", grant: ["media"]))["code"])
            let issued = try await exchange(site, client, code: code)
            #expect(issued.json["scope"] as? String == "media")

            let profileClient = Client()
            let profileCode = try #require(WebForms.query(try await approve(site, profileClient, scope: ""))["code"])
            let profile = try await exchange(site, profileClient, code: profileCode)
            #expect(profile.json["me"] as? String == site.base + "/")
            #expect(profile.json["access_token"] == nil)
        }
    }

    @Test("wrong verifier, reused or expired code, other redirect_uri: invalid_grant and no token")
    func badExchanges() async throws {
        try await withOwner { site in
            let client = Client()
            func code() async throws -> String { try #require(WebForms.query(try await approve(site, client))["code"]) }

            let wrongVerifier = try await exchange(site, client, code: try await code(), verifier: Secrets.make())
            #expect(wrongVerifier.status == .badRequest)
            #expect(wrongVerifier.json["error"] as? String == "invalid_grant")

            let once = try await code()
            #expect(try await exchange(site, client, code: once).status == .ok)
            let again = try await exchange(site, client, code: once)
            #expect(again.status == .badRequest)
            #expect(again.json["error"] as? String == "invalid_grant")

            let otherRedirect = try await exchange(site, client, code: try await code(), redirect: client.id + "elsewhere")
            #expect(otherRedirect.json["error"] as? String == "invalid_grant")

            let stale = Secrets.make()
            try await site.store.addCode(
                AuthorizationCode(
                    hash: Secrets.hash(stale),
                    clientId: client.id,
                    redirectURI: client.redirect,
                    codeChallenge: client.challenge,
                    scope: ScopeSet("create"),
                    expiresAt: Date().addingTimeInterval(-1)
                )
            )
            let expired = try await exchange(site, client, code: stale)
            #expect(expired.json["error"] as? String == "invalid_grant")

            let missing = try await post(site, site.base + "/token", [("grant_type", "authorization_code"), ("code", "x")])
            #expect(missing.json["error"] as? String == "invalid_request")
            // Only the one good exchange issued tokens.
            #expect(try await site.store.allTokens().filter { $0.clientId == client.id && $0.kind == .access }.count == 1)
        }
    }

    @Test("wrong passphrase, missing state, plain PKCE, foreign redirect, denial and a forged consent are refused")
    func badAuthorizations() async throws {
        try await withOwner { site in
            let client = Client()
            let page = try await site.get(authorizationURL(site, client))
            let csrf = try #require(WebForms.cookie("mc_csrf", in: page))
            let wrong = try await post(
                site,
                site.base + "/auth/sign-in",
                WebForms.hiddenFields(page.text) + [("passphrase", "not the passphrase")],
                cookies: ["mc_csrf=\(csrf)"]
            )
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("That passphrase is not right."))
            #expect(WebForms.cookie("mc_session", in: wrong) == nil)
            let forged = try await post(
                site,
                site.base + "/auth/sign-in",
                WebForms.hiddenFields(page.text) + [("passphrase", OwnerSession.passphrase)]
            )
            #expect(forged.status == .forbidden, "no CSRF cookie")

            let noState = try await site.get(authorizationURL(site, client, drop: "state"))
            #expect(noState.status == .badRequest)
            #expect(noState.headers.first(name: "Location") == nil)

            // Invalid before consent: a page that says why, never a redirect (issue 13, item 9).
            let plain = try await site.get(authorizationURL(site, client, extra: [("code_challenge_method", "plain")]))
            #expect(plain.status == .badRequest)
            #expect(plain.headers.first(name: "Location") == nil)
            #expect(plain.text.contains("code_challenge_method must be S256"))
            let evil = try await site.get(
                "/auth?client_id=https://evil.example/&redirect_uri=https://evil.example/x&response_type=token&state=s"
            )
            #expect(evil.status == .badRequest && evil.headers.first(name: "Location") == nil)
            for clientId in [
                "https://user:pass@app.example/", "https://app.example/a/../b", "https://app.example/./", "https://10.0.0.1/",
                "https://[2001:db8::1]/",
            ] {
                let refused = try await site.get(authorizationURL(site, client, extra: [("client_id", clientId), ("redirect_uri", clientId)]))
                #expect(refused.status == .badRequest && refused.headers.first(name: "Location") == nil, "\(clientId)")
            }

            let foreign = try await site.get(authorizationURL(site, client, extra: [("redirect_uri", "https://evil.example/cb")]))
            #expect(foreign.status == .badRequest)
            #expect(foreign.headers.first(name: "Location") == nil)

            // Denial, with a real session.
            let signInPage = try await site.get(authorizationURL(site, client))
            let signedIn = try await post(
                site,
                site.base + "/auth/sign-in",
                WebForms.hiddenFields(signInPage.text) + [("passphrase", OwnerSession.passphrase)],
                cookies: ["mc_csrf=\(try #require(WebForms.cookie("mc_csrf", in: signInPage)))"]
            )
            let session = try #require(WebForms.cookie("mc_session", in: signedIn))
            let consentPage = try await site.get(
                try #require(signedIn.headers.first(name: "Location")),
                headers: [("Cookie", "mc_session=\(session)")]
            )
            let denied = try await post(
                site,
                site.base + "/auth/consent",
                WebForms.hiddenFields(consentPage.text) + [("decision", "deny")],
                cookies: ["mc_session=\(session)"]
            )
            let deniedAnswer = WebForms.query(try #require(denied.headers.first(name: "Location")))
            #expect(deniedAnswer["error"] == "access_denied")
            #expect(deniedAnswer["code"] == nil)

            let noCSRF = try await post(
                site,
                site.base + "/auth/consent",
                WebForms.hiddenFields(consentPage.text).filter { $0.0 != "csrf" } + [("decision", "approve"), ("grant[]", "create")],
                cookies: ["mc_session=\(session)"]
            )
            #expect(noCSRF.status == .forbidden)
            #expect(try await site.store.allTokens().isEmpty)
        }
    }

    @Test("repeated failed sign-ins from one address are slowed down")
    func throttled() async throws {
        // A first wait longer than a loaded machine takes between two tries.
        try await TestSite.run(
            configure: { $0.signInDelays = (60, 120) },
            body: { site in
                try await site.store.setPassphraseHash(try PassphraseHasher.hash(OwnerSession.passphrase), now: Date())
                let client = Client()
                var statuses: [Int] = []
                for _ in 0..<6 {
                    let page = try await site.get(authorizationURL(site, client))
                    let reply = try await post(
                        site,
                        site.base + "/auth/sign-in",
                        WebForms.hiddenFields(page.text) + [("passphrase", "guess")],
                        cookies: ["mc_csrf=\(try #require(WebForms.cookie("mc_csrf", in: page)))"]
                    )
                    statuses.append(Int(reply.status.code))
                }
                #expect(statuses == [401, 401, 401, 401, 401, 429])
            }
        )
    }

    @Test("the throttle: five free tries, then 5 s, then the 10 s ceiling; a success forgives; a global limit")
    func throttleRule() async {
        let throttle = SignInThrottle()
        let start = Date(timeIntervalSince1970: 1_000_000)
        for _ in 0..<5 { #expect(await throttle.reserve("a", now: start) == .proceed) }
        #expect(await throttle.reserve("a", now: start) == .wait(5))
        #expect(await throttle.reserve("a", now: start.addingTimeInterval(5)) == .proceed)
        #expect(await throttle.wait(for: "a", now: start.addingTimeInterval(5)) == 10)
        // However many failures, never more than the ceiling: the owner is never locked out.
        var now = start.addingTimeInterval(5)
        for _ in 0..<20 {
            now = now.addingTimeInterval(await throttle.wait(for: "a", now: now))
            _ = await throttle.reserve("a", now: now)
        }
        #expect(await throttle.wait(for: "a", now: now) <= SignInThrottle.ceiling)
        await throttle.succeeded("a")
        #expect(await throttle.wait(for: "a", now: now) == 0)
        // Many addresses failing together slow everyone by seconds, no more.
        let global = SignInThrottle()
        for index in 0..<30 { _ = await global.reserve("10.0.0.\(index)", now: start) }
        #expect(await global.wait(for: "192.0.2.1", now: start) == SignInThrottle.globalDelay)
        #expect(await global.wait(for: "192.0.2.1", now: start.addingTimeInterval(61)) == 0)
    }

    @Test("X-Forwarded-For counts only from a trusted proxy")
    func forwardedFor() {
        #expect(ClientAddress.resolve(remote: "203.0.113.9", forwardedFor: "198.51.100.1", trustedProxies: []) == "203.0.113.9")
        #expect(ClientAddress.resolve(remote: "127.0.0.1", forwardedFor: "198.51.100.1", trustedProxies: []) == "127.0.0.1")
        #expect(ClientAddress.resolve(remote: "127.0.0.1", forwardedFor: "198.51.100.1", trustedProxies: ["127.0.0.1"]) == "198.51.100.1")
        // A client may prepend anything; the proxy appends what it saw.
        #expect(ClientAddress.resolve(remote: "127.0.0.1", forwardedFor: "6.6.6.6, 198.51.100.1", trustedProxies: ["127.0.0.1"]) == "198.51.100.1")
        #expect(
            ClientAddress.resolve(remote: "127.0.0.1", forwardedFor: "198.51.100.1, 10.0.0.2", trustedProxies: ["127.0.0.1", "10.0.0.2"])
                == "198.51.100.1"
        )
    }

    @Test("the standard Forwarded header counts only from a trusted proxy, and wins over X-Forwarded-For")
    func forwarded() {
        let trusted: Set<String> = ["127.0.0.1"]
        #expect(
            ClientAddress.resolve(remote: "203.0.113.9", forwardedFor: nil, forwarded: "for=198.51.100.1", trustedProxies: trusted) == "203.0.113.9"
        )
        #expect(
            ClientAddress.resolve(remote: "127.0.0.1", forwardedFor: nil, forwarded: "for=198.51.100.1;proto=https", trustedProxies: trusted)
                == "198.51.100.1"
        )
        #expect(
            ClientAddress.resolve(
                remote: "127.0.0.1",
                forwardedFor: "6.6.6.6",
                forwarded: #"for=6.6.6.6, for="[2001:db8:cafe::17]:4711""#,
                trustedProxies: trusted
            )
                == "2001:db8:cafe::17"
        )
        #expect(
            ClientAddress.resolve(remote: "127.0.0.1", forwardedFor: nil, forwarded: "for=198.51.100.1:8080;by=127.0.0.1", trustedProxies: trusted)
                == "198.51.100.1"
        )
    }

    @Test("a session signed in a while ago must give the passphrase again to approve a client")
    func consentAsksAgain() async throws {
        try await TestSite.run(
            configure: { $0.consentReauthentication = 0 },
            body: { site in
                try await site.store.setPassphraseHash(try PassphraseHasher.hash(OwnerSession.passphrase), now: Date())
                let client = Client()
                let signInPage = try await site.get(authorizationURL(site, client))
                let csrfCookie = try #require(WebForms.cookie("mc_csrf", in: signInPage))
                let signedIn = try await post(
                    site,
                    site.base + "/auth/sign-in",
                    WebForms.hiddenFields(signInPage.text) + [("passphrase", OwnerSession.passphrase)],
                    cookies: ["mc_csrf=\(csrfCookie)"]
                )
                let session = try #require(WebForms.cookie("mc_session", in: signedIn))
                try await Task.sleep(for: .milliseconds(20))
                let consentPage = try await site.get(
                    try #require(signedIn.headers.first(name: "Location")),
                    headers: [("Cookie", "mc_session=\(session)")]
                )
                #expect(consentPage.text.contains(#"name="passphrase""#))
                let fields = WebForms.hiddenFields(consentPage.text) + [("grant[]", "create"), ("decision", "approve")]

                // A page's script or a stolen cookie has the session and its CSRF token, not the passphrase.
                let without = try await post(site, site.base + "/auth/consent", fields, cookies: ["mc_session=\(session)"])
                #expect(without.status == .unauthorized)
                #expect(without.headers.first(name: "Location") == nil)
                let wrong = try await post(
                    site,
                    site.base + "/auth/consent",
                    fields + [("passphrase", "not it at all")],
                    cookies: ["mc_session=\(session)"]
                )
                #expect(wrong.status == .unauthorized)
                // Denying needs no passphrase.
                let denied = try await post(
                    site,
                    site.base + "/auth/consent",
                    WebForms.hiddenFields(consentPage.text) + [("decision", "deny")],
                    cookies: ["mc_session=\(session)"]
                )
                let deniedLocation = try #require(denied.headers.first(name: "Location"))
                #expect(WebForms.query(deniedLocation)["error"] == "access_denied")

                let approved = try await post(
                    site,
                    site.base + "/auth/consent",
                    fields + [("passphrase", OwnerSession.passphrase)],
                    cookies: ["mc_session=\(session)"]
                )
                #expect(approved.status == .found)
                let location = try #require(approved.headers.first(name: "Location"))
                let code = try #require(WebForms.query(location)["code"])
                #expect(try await exchange(site, client, code: code).json["access_token"] != nil)
            }
        )
    }

    @Test("60 parallel wrong passphrases from one address: five are checked, the rest wait; the owner signs in seconds later")
    func parallelGuesses() async throws {
        try await withOwner { site in
            let client = Client()
            let page = try await site.get(authorizationURL(site, client))
            let fields = WebForms.hiddenFields(page.text)
            let csrf = try #require(WebForms.cookie("mc_csrf", in: page))
            // 60 connections at once, as an attacker's script would open them (curl --parallel;
            // the tests' HTTP client keeps a small pool).
            let form = String(decoding: WebForms.encode(fields + [("passphrase", "guess")]), as: UTF8.self)
            let output = try await Fixtures.runOffPool(
                "curl",
                ["-s", "-Z", "--parallel-max", "60", "-w", "%{http_code}\\n", "-b", "mc_csrf=\(csrf)", "--data", form]
                    + (0..<60).flatMap { _ in ["-o", "/dev/null", site.base + "/auth/sign-in"] }
            )
            let statuses = String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
            #expect(statuses.count == 60)
            // Five free tries are checked; a later one only once its wait (5 s, then 10 s) has
            // passed, which on a loaded machine can happen before the flood ends. Before the
            // fix all 60 were checked.
            let checked = statuses.filter { $0 == 401 }.count
            #expect((5...10).contains(checked), "\(statuses.sorted())")
            #expect(statuses.filter { $0 == 429 }.count == 60 - checked)
            // Not an hour: within the ceiling the owner's right passphrase works.
            try await Task.sleep(for: .seconds(SignInThrottle.ceiling))
            let owner = try await post(
                site,
                site.base + "/auth/sign-in",
                fields + [("passphrase", OwnerSession.passphrase)],
                cookies: ["mc_csrf=\(csrf)"]
            )
            #expect(owner.status == .seeOther)
        }
    }

    @Test("a stolen grant: revoking the app ends its refresh token, a reused refresh token ends the grant, lists show grants")
    func grants() async throws {
        try await withOwner { site in
            func refresh(_ token: String, _ client: Client) async throws -> TestSite.Reply {
                try await post(site, site.base + "/token", [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", client.id)])
            }
            func signIn() async throws -> String {
                let page = try await site.get("/studio/sign-in")
                let signedIn = try await post(
                    site,
                    site.base + "/auth/sign-in",
                    WebForms.hiddenFields(page.text) + [("passphrase", OwnerSession.passphrase)],
                    cookies: ["mc_csrf=\(try #require(WebForms.cookie("mc_csrf", in: page)))"]
                )
                return try #require(WebForms.cookie("mc_session", in: signedIn))
            }

            // The owner revokes an app in the studio: its refresh token buys nothing any more.
            let app = Client()
            let issued = try await exchange(site, app, code: try #require(WebForms.query(try await approve(site, app))["code"]))
            let access = try #require(issued.json["access_token"] as? String)
            let refreshToken = try #require(issued.json["refresh_token"] as? String)
            let session = try await signIn()
            let list = try await site.get("/studio/apps", headers: [("Cookie", "mc_session=\(session)")])
            let rows = list.text.components(separatedBy: "<tr>").filter { $0.contains(app.id) }
            #expect(rows.count == 1, "one row for the grant, not one per token")
            let hidden = WebForms.hiddenFields(list.text)
            let fields = [try #require(hidden.first { $0.0 == "csrf" }), try #require(hidden.first { $0.0 == "id" })]
            let revoked = try await post(site, site.base + "/studio/apps/revoke", fields, cookies: ["mc_session=\(session)"])
            #expect(revoked.status == .seeOther)
            #expect(try await site.postForm([("h", "entry"), ("content", "x")], token: access).status == .unauthorized)
            let afterRevoke = try await refresh(refreshToken, app)
            #expect(afterRevoke.status == .badRequest && afterRevoke.json["error"] as? String == "invalid_grant")
            #expect(afterRevoke.json["access_token"] == nil)

            // POST /token/revoke with the refresh token ends the access token too.
            let second = Client()
            let pair = try await exchange(site, second, code: try #require(WebForms.query(try await approve(site, second))["code"]))
            let secondAccess = try #require(pair.json["access_token"] as? String)
            #expect(try await post(site, site.base + "/token/revoke", [("token", try #require(pair.json["refresh_token"] as? String))]).status == .ok)
            #expect(try await site.postForm([("h", "entry"), ("content", "x")], token: secondAccess).status == .unauthorized)

            // A copied refresh token: the thief refreshes first; when the app then
            // presents the same (now used) token, the whole grant ends, the thief's pair included.
            let victim = Client()
            let victimPair = try await exchange(site, victim, code: try #require(WebForms.query(try await approve(site, victim))["code"]))
            let stolen = try #require(victimPair.json["refresh_token"] as? String)
            let thief = try await refresh(stolen, victim)
            let thiefAccess = try #require(thief.json["access_token"] as? String)
            let thiefRefresh = try #require(thief.json["refresh_token"] as? String)
            #expect(try await site.postForm([("h", "entry"), ("content", "stolen")], token: thiefAccess).status == .created)
            let reuse = try await refresh(stolen, victim)
            #expect(reuse.json["error"] as? String == "invalid_grant")
            #expect(try await site.postForm([("h", "entry"), ("content", "stolen again")], token: thiefAccess).status == .unauthorized)
            #expect(try await refresh(thiefRefresh, victim).json["error"] as? String == "invalid_grant")

            // A grant whose access token ran out but whose refresh token lives is listed, and revocable.
            let idle = Client()
            let idlePair = try await exchange(site, idle, code: try #require(WebForms.query(try await approve(site, idle))["code"]))
            let idleToken = try #require(idlePair.json["access_token"] as? String)
            let idleAccess = try #require(try await site.store.token(hash: Secrets.hash(idleToken), now: Date()))
            // Its hour passes (written as GRDB stores dates, by the sqlite3 module).
            let script =
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE tokens SET expiresAt = '2000-01-01 00:00:00.000' WHERE id = ?\", (int(sys.argv[2]),)); c.commit()"
            _ = try await Fixtures.runOffPool(
                "python3",
                ["-c", script, site.data.appendingPathComponent("microcast.sqlite").path, "\(try #require(idleAccess.id))"]
            )
            let listed = try await site.get("/studio/apps", headers: [("Cookie", "mc_session=\(try await signIn())")])
            #expect(listed.text.contains("active (refresh only)"))
            let cli = try await Microcast.run(["token", "list", "--data", site.data.path])
            #expect(cli.output.contains("active (refresh only)\t\(idle.id)"), "\(cli.output)")
        }
    }

    @Test("the signed-in owner sees the apps and tokens in the studio, with their last use, and can revoke one")
    func tokenPage() async throws {
        try await withOwner { site in
            let cliToken = try await site.token("create")
            #expect(try await site.postForm([("h", "entry"), ("content", "first")], token: cliToken).status == .created)
            // The old address leads to the new page.
            #expect(try await site.get("/auth/tokens").headers.first(name: "Location") == site.base + "/studio/apps")
            let signInPage = try await site.get("/studio/apps")
            #expect(signInPage.text.contains("name=\"next\""))
            let signedIn = try await post(
                site,
                site.base + "/auth/sign-in",
                WebForms.hiddenFields(signInPage.text) + [("passphrase", OwnerSession.passphrase)],
                cookies: ["mc_csrf=\(try #require(WebForms.cookie("mc_csrf", in: signInPage)))"]
            )
            #expect(signedIn.headers.first(name: "Location") == site.base + "/studio/apps")
            let session = try #require(WebForms.cookie("mc_session", in: signedIn))
            let list = try await site.get("/studio/apps", headers: [("Cookie", "mc_session=\(session)")])
            #expect(list.text.contains("command line"))
            #expect(!list.text.contains("not yet"), "the token was used to post: its last use is shown")
            // One revoke form's fields, as a browser sends them.
            let hidden = WebForms.hiddenFields(list.text)
            let fields = [try #require(hidden.first { $0.0 == "csrf" }), try #require(hidden.first { $0.0 == "id" })]
            let revoked = try await post(site, site.base + "/studio/apps/revoke", fields, cookies: ["mc_session=\(session)"])
            #expect(revoked.status == .seeOther)
            #expect(try await site.postForm([("h", "entry"), ("content", "x")], token: cliToken).status == .unauthorized)
        }
    }
}
