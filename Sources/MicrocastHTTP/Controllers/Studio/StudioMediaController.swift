import Foundation
import HTMLKit
import Hummingbird
import MediaModel
import MicrocastApp
import MicrocastCore
import NIOCore

/// The studio's media page: every upload, what became of it and its jobs;
/// Retry for a failed one, Delete for an unused one.
struct StudioMediaController: Sendable {
    let pages: StudioPages
    let store: any MediaRepository & JobQueue
    let intake: MediaIntake
    var urls: SiteURLs { pages.urls }
    var base: String { pages.base }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio/media") { request, _ in try await pages.page(request) { try await media($0) } }
        router.post("/studio/media/{id}/retry") { request, context in try await retry(request, id: try context.parameters.require("id")) }
        router.post("/studio/media/{id}/delete") { request, context in try await deleteMedia(request, id: try context.parameters.require("id")) }
    }

    // MARK: Media

    func media(_ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let items = try await store.recentMedia(limit: 200, offset: 0)
        let renditions = try await store.renditions(forMedia: items.map(\.id))
        var rows: [MediaListView.Row] = []
        for item in items {
            let jobs = try await store.jobs(subject: .media(item.id))
            let users = try await store.posts(usingMedia: item.id)
            let state = StudioEvents.state(of: item, job: jobs.first)
            rows.append(
                MediaListView.Row(
                    id: item.id,
                    name: item.originalName ?? item.fileName,
                    url: urls.original(fileName: item.fileName),
                    kind: item.kind.rawValue,
                    size: StudioText.size(item.byteCount),
                    details: StudioText.details(item),
                    state: state,
                    failure: item.failure ?? "",
                    renditions: (renditions[item.id]?.all ?? []).map { StudioText.describe($0) },
                    posts: users.map(urls.post(slug:)),
                    jobs: StudioText.history(jobs),
                    canRetry: item.state == .failed && JobKind.processing(item.kind) != nil,
                    canDelete: users.isEmpty,
                    retryAction: base + "/media/\(item.id)/retry",
                    deleteAction: base + "/media/\(item.id)/delete"
                )
            )
        }
        return pages.render(
            "media",
            try await pages.frame("Media", section: .media, csrf: signedIn.csrf),
            MediaListView(rows: rows, eventsURL: base + "/events")
        )
    }

    func retry(_ request: Request, id: String) async throws -> Response {
        _ = try await pages.ownerForm(request)
        guard let item = try await store.media(id: id), let kind = JobKind.processing(item.kind) else { throw StudioError.notFound }
        try await store.retry(mediaId: item.id, kind: kind, now: Date())
        return OwnerPage.redirect(to: base + "/media")
    }

    func deleteMedia(_ request: Request, id: String) async throws -> Response {
        _ = try await pages.ownerForm(request)
        guard let item = try await store.media(id: id) else { throw StudioError.notFound }
        try await intake.delete(item, urls: urls)
        return OwnerPage.redirect(to: base + "/media")
    }
}
