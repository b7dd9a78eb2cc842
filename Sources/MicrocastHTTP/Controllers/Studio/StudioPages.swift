import Foundation
import HTMLKit
import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore

/// What every studio page shares: the owner's session (and the way to sign
/// in for one), the frame (navigation, CSRF token, fingerprinted assets),
/// rendering with the studio's own policy, and owner forms read safely.
struct StudioPages: Sendable {
    let sessions: OwnerSessions
    let renderer: SiteRenderer
    let site: SiteDirectory
    let assets: StaticAssets
    /// Shows the sign-in page, which returns to `next` once signed in.
    let signIn: @Sendable (_ next: String) async throws -> Response

    var urls: SiteURLs { site.urls }
    var base: String { urls.studio }

    /// A studio page, or the way to sign in for one.
    func page(_ request: Request, _ body: (OwnerSessions.SignedIn) async throws -> Response) async throws -> Response {
        guard let signedIn = try await sessions.session(request) else {
            return try await signIn(urls.base + request.uri.description)
        }
        return try await body(signedIn)
    }

    func frame(_ title: String, section: StudioSection, csrf: String, scripts: [String] = ["live.js"]) async throws -> StudioFrame {
        StudioFrame(
            title: title,
            siteTitle: try await site.info().title,
            csrf: csrf,
            homeURL: urls.home,
            studioURL: base,
            stylesheetURL: urls.base + assets.path("studio.css"),
            scripts: scripts.map { urls.base + assets.path($0) },
            section: section
        )
    }

    /// `playsFromAnywhere`: the page plays audio and video from other sites (the timeline's podcasts).
    func render(_ name: String, _ frame: StudioFrame, _ view: any Sendable, playsFromAnywhere: Bool = false) -> Response {
        var response = OwnerPage.html(.ok, renderer.studio(name, frame: frame, view: view))
        // The studio's own scripts, from this site only; previews may show images from anywhere the owner links.
        response.headers[.contentSecurityPolicy] = [
            "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' https: blob: data:",
            playsFromAnywhere ? "media-src 'self' blob: https:" : "media-src 'self' blob:",
            "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
        ].joined(separator: "; ")
        response.headers[.frameOptions] = "DENY"
        return response
    }

    /// An owner's form (`application/x-www-form-urlencoded`): the session is
    /// checked before any of the body is read, the form's CSRF token after.
    func ownerForm(_ request: Request) async throws -> [(name: String, value: String)] {
        guard let form = try await sessions.form(request) else { throw StudioError.forbidden }
        return form.fields
    }

    /// The signed-in owner's session, if the request's CSRF token is its own.
    func verified(_ request: Request, csrf: String?) async throws -> OwnerSessions.SignedIn {
        guard let signedIn = try await sessions.session(request, csrf: csrf) else {
            throw StudioError.forbidden
        }
        return signedIn
    }
}

/// Refusals on studio pages, as pages.
enum StudioError: Error, HTTPResponseError {
    case forbidden
    case notFound
    case badRequest(String)

    var status: HTTPResponse.Status {
        switch self {
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .badRequest: .badRequest
        }
    }

    var message: String {
        switch self {
        case .forbidden: "This form expired or came from elsewhere. Go back, reload the page and try again."
        case .notFound: "There is nothing here."
        case .badRequest(let why): why
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let html =
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>\(status.code)</title><h1>\(status.code)</h1><p>\(HTML.escape(message))</p>"
        return OwnerPage.html(status, html)
    }
}
