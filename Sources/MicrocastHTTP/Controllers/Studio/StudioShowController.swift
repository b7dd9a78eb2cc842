import Foundation
import HTMLKit
import Hummingbird
import MediaModel
import MicrocastApp
import MicrocastCore
import NIOCore

/// The studio's show page: the site's title and author, the podcast show's
/// settings, and its artwork.
struct StudioShowController: Sendable {
    let pages: StudioPages
    let settings: any SettingsRepository
    let artwork: ShowArtworkStore
    let maxUploadBytes: Int64
    var urls: SiteURLs { pages.urls }
    var base: String { pages.base }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio/show") { request, _ in
            try await pages.page(request) { try await show($0, message: request.uri.queryParameters["saved"] == nil ? "" : "Saved.") }
        }
        router.post("/studio/show") { request, _ in try await saveShow(request) }
        router.post("/studio/show/artwork") { request, _ in try await saveArtwork(request) }
    }

    // MARK: Show

    func show(_ signedIn: OwnerSessions.SignedIn, message: String) async throws -> Response {
        let site = try await pages.site.info()
        let show = ShowSettings(stored: try await settings.settings(), site: site)
        let view = ShowFormView(
            action: base + "/show",
            artworkAction: base + "/show/artwork",
            artworkURL: urls.rendition(fileName: try await artwork.fileName(for: show)),
            feedURL: urls.podcastFeed,
            fields: ShowFormView.fields(show, siteTitle: site.title, siteAuthor: site.authorName),
            message: message
        )
        return pages.render("show", try await pages.frame("Show", section: .show, csrf: signedIn.csrf), view)
    }

    func saveShow(_ request: Request) async throws -> Response {
        let fields = Dictionary(try await pages.ownerForm(request).map { ($0.name, $0.value) }) { first, _ in first }
        try await pages.site.set(title: fields["site-title"], author: fields["site-author"])
        var values: [SettingKey: String?] = [:]
        for key in ShowSettings.Key.allCases where key != .artwork && key != .guid {
            guard let value = fields[key.rawValue] else { continue }
            values[.show(key)] = value.isEmpty ? String?.none : value
        }
        try await settings.setSettings(values)
        return OwnerPage.redirect(to: base + "/show?saved=1")
    }

    func saveArtwork(_ request: Request) async throws -> Response {
        guard let boundary = MultipartUpload.boundary(contentType: request.headers[.contentType]) else {
            throw StudioError.badRequest("send the artwork as multipart/form-data")
        }
        // The session is checked before any of the body is read; its CSRF
        // token, a field sent before the file, before the file reaches the disk.
        guard let signedIn = try await pages.sessions.session(request) else { throw StudioError.forbidden }
        let form = try await MultipartUpload.receive(
            body: request.body,
            boundary: boundary,
            fileFields: ["artwork"],
            library: artwork.library,
            maxBytes: maxUploadBytes,
            beforeFiles: { form in
                guard let sent = form.field("csrf"), Secrets.constantTimeEquals(signedIn.csrf, sent) else { throw StudioError.forbidden }
            }
        )
        defer { form.discard() }
        guard let sent = form.field("csrf"), Secrets.constantTimeEquals(signedIn.csrf, sent) else { throw StudioError.forbidden }
        guard let file = form.files.first else { throw StudioError.badRequest("choose an image") }
        do {
            _ = try await artwork.replace(from: file.temporaryFile)
        } catch .noSpace(let why) {
            throw MicropubError.insufficientStorage(why)
        } catch {
            throw StudioError.badRequest("the artwork cannot be used: \(error.description)")
        }
        return OwnerPage.redirect(to: base + "/show?saved=1")
    }
}
