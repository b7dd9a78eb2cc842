import Foundation
import HTMLKit
import Hummingbird
import MediaModel
import MicrocastApp
import MicrocastCore
import NIOCore

/// The studio's media page: every upload, what became of it and its jobs;
/// Retry for a failed one, Delete for an unused one, Process again for a
/// processed recording; and each recording's transcript, to correct or to
/// have made again.
struct StudioMediaController: Sendable {
    let pages: StudioPages
    let store: any DataStore
    let intake: MediaIntake
    let editor: TranscriptEditor
    var urls: SiteURLs { pages.urls }
    var base: String { pages.base }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio/media") { request, _ in try await pages.page(request) { try await media($0) } }
        router.post("/studio/media/{id}/retry") { request, context in try await retry(request, id: try context.parameters.require("id")) }
        router.post("/studio/media/{id}/delete") { request, context in try await deleteMedia(request, id: try context.parameters.require("id")) }
        router.post("/studio/media/{id}/reprocess") { request, context in try await reprocess(request, id: try context.parameters.require("id")) }
        router.get("/studio/media/{id}/transcript") { request, context in
            let id = try context.parameters.require("id")
            return try await pages.page(request) { try await transcript($0, id: id) }
        }
        router.post("/studio/media/{id}/transcript") { request, context in
            try await saveTranscript(request, id: try context.parameters.require("id"))
        }
        router.post("/studio/media/{id}/transcript/regenerate") { request, context in
            try await regenerateTranscript(request, id: try context.parameters.require("id"))
        }
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
            var row =
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
            if JobKind.isTranscribed(item.kind) {
                row.transcriptURL = base + "/media/\(item.id)/transcript"
                row.canReprocess = item.state == .ready
                row.reprocessAction = base + "/media/\(item.id)/reprocess"
            }
            rows.append(row)
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

    /// Encodes a processed recording again (after a change of preset, say)
    /// and transcribes it again; the files it has stay served until the new
    /// ones replace them, and a transcript the owner corrected is kept.
    func reprocess(_ request: Request, id: String) async throws -> Response {
        _ = try await pages.ownerForm(request)
        guard let item = try await store.media(id: id), item.state == .ready, let kind = JobKind.processing(item.kind) else {
            throw StudioError.notFound
        }
        try await store.reprocess(mediaId: item.id, kind: kind, now: Date())
        return OwnerPage.redirect(to: base + "/media")
    }

    func transcript(_ signedIn: OwnerSessions.SignedIn, id: String) async throws -> Response {
        guard let item = try await store.media(id: id), JobKind.isTranscribed(item.kind) else { throw StudioError.notFound }
        let stored = try await store.transcripts(forMedia: [id])[id]
        let pending = try await store.jobs(subject: .media(id)).contains { $0.kind == .transcribe && ($0.state == .queued || $0.state == .running) }
        let view = TranscriptEditorView(
            name: item.originalName ?? item.fileName,
            transcript: stored,
            emptyMessage: pending
                ? "The transcript is being made. It appears here when it is ready."
                : "This recording has no transcript. Transcribe it below (with a model set: see --transcribe-model).",
            saveAction: base + "/media/\(id)/transcript",
            regenerateAction: base + "/media/\(id)/transcript/regenerate",
            mediaURL: urls.original(fileName: item.fileName)
        )
        return pages.render("transcript", try await pages.frame("Transcript", section: .media, csrf: signedIn.csrf), view)
    }

    func saveTranscript(_ request: Request, id: String) async throws -> Response {
        let fields = try await pages.ownerForm(request)
        guard let stored = try await store.transcripts(forMedia: [id])[id] else { throw StudioError.notFound }
        guard let texts = TranscriptEditorView.texts(from: fields, expecting: stored.cues.count) else {
            throw StudioError.badRequest(TranscriptEditor.Conflict().description)
        }
        do {
            try await editor.save(mediaId: id, texts: texts)
        } catch let conflict as TranscriptEditor.Conflict {
            throw StudioError.badRequest(conflict.description)
        }
        return OwnerPage.redirect(to: base + "/media/\(id)/transcript")
    }

    func regenerateTranscript(_ request: Request, id: String) async throws -> Response {
        _ = try await pages.ownerForm(request)
        guard let item = try await store.media(id: id), JobKind.isTranscribed(item.kind) else { throw StudioError.notFound }
        try await store.requestTranscript(mediaId: id, discardingEdits: true, now: Date())
        return OwnerPage.redirect(to: base + "/media/\(id)/transcript")
    }

    func deleteMedia(_ request: Request, id: String) async throws -> Response {
        _ = try await pages.ownerForm(request)
        guard let item = try await store.media(id: id) else { throw StudioError.notFound }
        try await intake.delete(item, urls: urls)
        return OwnerPage.redirect(to: base + "/media")
    }
}
