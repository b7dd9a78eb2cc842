import Foundation
import HTMLKit
import Hummingbird
import MicrocastApp
import MicrocastCore

/// The studio's accounts on other networks: connect Mastodon through the
/// server's own OAuth sign-in and back, Bluesky with a handle and an app
/// password; reconnect an account the network stopped taking; choose the
/// kinds of post each is ticked for in the composer; disconnect.
struct StudioSyndicationController: Sendable {
    let pages: StudioPages
    let store: any DataStore
    let connections: AccountConnections
    var urls: SiteURLs { pages.urls }
    var base: String { pages.base }
    var callback: String { base + "/syndication/mastodon/callback" }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio/syndication") { request, _ in
            try await pages.page(request) { signedIn in
                let parameters = request.uri.queryParameters
                return try await page(
                    signedIn,
                    message: parameters["connected"].map { "Connected \($0)." } ?? (parameters["saved"] == nil ? "" : "Saved.")
                )
            }
        }
        router.post("/studio/syndication/mastodon") { request, _ in try await startMastodon(request) }
        router.get("/studio/syndication/mastodon/callback") { request, _ in
            try await pages.page(request) { signedIn in try await finishMastodon(request, signedIn) }
        }
        router.post("/studio/syndication/bluesky") { request, _ in try await connectBluesky(request) }
        router.post("/studio/syndication/defaults") { request, _ in try await saveDefaults(request) }
        router.post("/studio/syndication/remove") { request, _ in try await remove(request) }
    }

    func page(
        _ signedIn: OwnerSessions.SignedIn,
        message: String = "",
        error: String = "",
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let view = SyndicationPageView(accounts: try await store.syndicationAccounts(), message: message, error: error)
        var response = pages.render("syndication", try await pages.frame("Syndication", section: .syndication, csrf: signedIn.csrf), view)
        response.status = status
        return response
    }

    /// A form's fields, after the session and its CSRF token are checked.
    func form(_ request: Request) async throws -> (OwnerSessions.SignedIn, [String: String], [(name: String, value: String)]) {
        guard let signedIn = try await pages.sessions.session(request) else { throw StudioError.forbidden }
        let pairs = try await pages.ownerForm(request)
        return (signedIn, Dictionary(pairs.map { ($0.name, $0.value) }) { first, _ in first }, pairs)
    }

    /// What went wrong with a network, for the owner: its own words, never our credentials.
    func failed(_ signedIn: OwnerSessions.SignedIn, _ error: any Error) async throws -> Response {
        try await page(signedIn, error: "Not connected: \(error)", status: .badRequest)
    }

    func startMastodon(_ request: Request) async throws -> Response {
        let (signedIn, fields, _) = try await form(request)
        guard let instance = fields["instance"], !instance.trimmingCharacters(in: .whitespaces).isEmpty else {
            return try await page(signedIn, error: "Enter your Mastodon server.", status: .badRequest)
        }
        do {
            let title = try await pages.site.info().title
            let destination = try await connections.startMastodon(instance: instance, siteName: title, site: urls.home, redirectURI: callback)
            // A page that moves on, not a redirect: browsers hold a form's
            // redirects to the studio's `form-action 'self'`, and the server is elsewhere.
            let escaped = HTML.escape(destination.absoluteString)
            let host = HTML.escape(destination.host ?? instance)
            return OwnerPage.html(
                .ok,
                """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
                <meta http-equiv="refresh" content="0;url=\(escaped)"><title>Signing in at \(host)</title></head>
                <body><p><a id="continue" href="\(escaped)">Continue to \(host)</a> to let Microcast post there.</p></body></html>
                """
            )
        } catch {
            return try await failed(signedIn, error)
        }
    }

    func finishMastodon(_ request: Request, _ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let state = parameters["state"].map(String.init), let code = parameters["code"].map(String.init) else {
            let denied = parameters["error"].map { " (\($0))" } ?? ""
            return try await page(signedIn, error: "The server did not let Microcast in\(denied).", status: .badRequest)
        }
        do {
            let account = try await connections.finishMastodon(state: state, code: code)
            return OwnerPage.redirect(
                to: base + "/syndication?connected=" + (account.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            )
        } catch {
            return try await failed(signedIn, error)
        }
    }

    func connectBluesky(_ request: Request) async throws -> Response {
        let (signedIn, fields, _) = try await form(request)
        guard let handle = fields["handle"], !handle.isEmpty, let password = fields["app-password"], !password.isEmpty else {
            return try await page(signedIn, error: "Enter the handle and an app password.", status: .badRequest)
        }
        let pds = fields["pds"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        do {
            let account = try await connections.connectBluesky(handle: handle, appPassword: password, pds: pds)
            return OwnerPage.redirect(
                to: base + "/syndication?connected=" + (account.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            )
        } catch {
            return try await failed(signedIn, error)
        }
    }

    func saveDefaults(_ request: Request) async throws -> Response {
        let (_, fields, pairs) = try await form(request)
        guard let uid = fields["uid"] else { throw StudioError.badRequest("which account?") }
        let kinds = Set(pairs.filter { $0.name == "kind" }.compactMap { PostKind(rawValue: $0.value) })
        try await connections.setDefaults(uid: uid, kinds: kinds)
        return OwnerPage.redirect(to: base + "/syndication?saved=1")
    }

    func remove(_ request: Request) async throws -> Response {
        let (_, fields, _) = try await form(request)
        guard let uid = fields["uid"] else { throw StudioError.badRequest("which account?") }
        try await store.removeSyndicationAccount(uid: uid)
        return OwnerPage.redirect(to: base + "/syndication?saved=1")
    }
}
