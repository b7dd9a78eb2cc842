import Foundation
import HTMLKit
import HTTPTypes
import Hummingbird
import MediaKit
import MediaModel
import MicrocastApp
import MicrocastCore
import NIOCore

/// The owner's studio: compose posts (through this site's own Micropub and
/// upload endpoints, from the browser), follow their processing, edit and
/// delete posts, retry failed files, change the show, and revoke apps. Pages
/// are server-rendered; a few small scripts do what needs a browser (uploads
/// with progress, live states). Every page needs the owner's session, every
/// form its CSRF token.
struct StudioController: Sendable {
    let services: MicrocastServices
    let publishing: Publishing
    let sessions: OwnerSessions
    let renderer: SiteRenderer
    let assets: StaticAssets
    /// Shows the sign-in page, which returns to `next` once signed in.
    let signIn: @Sendable (_ next: String) async throws -> Response

    var store: any DataStore { services.store }
    var urls: SiteURLs { services.site.urls }
    var base: String { urls.studio }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio") { request, _ in try await page(request, "posts") { _ in OwnerPage.redirect(to: base + "/posts") } }
        router.get("/studio/sign-in") { request, _ in
            let next = request.uri.queryParameters["next"].map(String.init) ?? base
            return try await signIn(AuthorizationController.isOwnPage(next, urls: urls) ? next : base)
        }
        router.post("/studio/sign-out") { request, _ in try await signOut(request) }
        router.get("/studio/new") { request, _ in try await page(request, "new") { try await composer($0, request: request) } }
        router.post("/studio/preview") { request, _ in try await preview(request) }
        router.get("/studio/posts") { request, _ in try await page(request, "posts") { try await posts($0, request: request) } }
        router.get("/studio/posts/{slug}") { request, context in
            let slug = try context.parameters.require("slug")
            return try await page(request, "posts") {
                try await edit($0, slug: slug, message: request.uri.queryParameters["saved"] == nil ? "" : "Saved.")
            }
        }
        router.post("/studio/posts/{slug}") { request, context in try await save(request, slug: try context.parameters.require("slug")) }
        router.post("/studio/posts/{slug}/delete") { request, context in
            try await change(request, slug: try context.parameters.require("slug")) { try await publishing.delete(url: $0) }
        }
        router.post("/studio/posts/{slug}/undelete") { request, context in
            try await change(request, slug: try context.parameters.require("slug")) { try await publishing.undelete(url: $0) }
        }
        router.get("/studio/media") { request, _ in try await page(request, "media") { try await media($0) } }
        router.post("/studio/media/{id}/retry") { request, context in try await retry(request, id: try context.parameters.require("id")) }
        router.post("/studio/media/{id}/delete") { request, context in try await deleteMedia(request, id: try context.parameters.require("id")) }
        router.get("/studio/show") { request, _ in
            try await page(request, "show") { try await show($0, message: request.uri.queryParameters["saved"] == nil ? "" : "Saved.") }
        }
        router.post("/studio/show") { request, _ in try await saveShow(request) }
        router.post("/studio/show/artwork") { request, _ in try await saveArtwork(request) }
        router.get("/studio/mentions") { request, _ in try await page(request, "mentions") { try await mentions($0) } }
        router.get("/studio/listeners") { request, _ in try await page(request, "listeners") { try await listeners($0) } }
        router.post("/studio/mentions") { request, _ in try await moderate(request) }
        router.get("/studio/apps") { request, _ in try await page(request, "apps") { try await apps($0) } }
        router.post("/studio/apps/revoke") { request, _ in try await revoke(request) }
        router.get("/studio/events") { request, _ in
            try await StudioEvents(store: store, progress: services.progress).stream(request, sessions: sessions)
        }
        router.get("/static/studio/{file}") { request, _ in asset(request) }
    }

    // MARK: Frame

    /// A studio page, or the way to sign in for one.
    func page(_ request: Request, _ section: String, _ body: (OwnerSessions.SignedIn) async throws -> Response) async throws -> Response {
        guard let signedIn = try await sessions.session(request) else {
            return try await signIn(urls.base + request.uri.description)
        }
        return try await body(signedIn)
    }

    func frame(_ title: String, section: String, csrf: String, scripts: [String] = ["live.js"]) async throws -> StudioFrame {
        StudioFrame(
            title: title,
            siteTitle: try await services.site.info().title,
            csrf: csrf,
            homeURL: urls.home,
            studioURL: base,
            stylesheetURL: urls.base + assets.path("studio.css"),
            scripts: scripts.map { urls.base + assets.path($0) },
            section: section
        )
    }

    func render(_ name: String, _ frame: StudioFrame, _ view: any Sendable) -> Response {
        var response = OwnerPage.html(.ok, renderer.studio(name, frame: frame, view: view))
        // The studio's own scripts, from this site only; previews may show images from anywhere the owner links.
        response.headers[.contentSecurityPolicy] = [
            "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' https: blob: data:", "media-src 'self' blob:",
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

    /// The signed-in owner's session, if the form's CSRF token is its own.
    func verified(_ request: Request, csrf: String?) async throws -> OwnerSessions.SignedIn {
        guard let signedIn = try await sessions.session(request, csrf: csrf) else {
            throw StudioError.forbidden
        }
        return signedIn
    }

    // MARK: Composer

    func composer(_ signedIn: OwnerSessions.SignedIn, request: Request) async throws -> Response {
        let kind = request.uri.queryParameters["kind"].map(String.init) ?? "note"
        let view = ComposerView(
            micropubURL: urls.micropub,
            uploadsURL: urls.base + "/uploads",
            previewURL: base + "/preview",
            eventsURL: base + "/events",
            signInURL: base + "/sign-in",
            kind: ["note", "photo", "audio", "video"].contains(kind) ? kind : "note"
        )
        return render("new", try await frame("Compose", section: "new", csrf: signedIn.csrf, scripts: ["upload.js", "live.js", "composer.js"]), view)
    }

    /// Markdown, rendered and sanitised exactly as a post's text is.
    func preview(_ request: Request) async throws -> Response {
        _ = try await verified(request, csrf: request.headers[.csrfToken])
        let text = String(buffer: try await request.body.collect(upTo: 256 * 1024))
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: Markdown.html(text)))
        )
    }

    // MARK: Posts

    func posts(_ signedIn: OwnerSessions.SignedIn, request: Request) async throws -> Response {
        let kindName = request.uri.queryParameters["kind"].map(String.init) ?? ""
        let stateName = request.uri.queryParameters["state"].map(String.init) ?? ""
        let list = try await store.ownerPosts(
            kind: PostKind(rawValue: kindName),
            status: Post.Status(rawValue: stateName),
            deleted: stateName == "deleted",
            limit: 200,
            offset: 0
        )
        let site = try await services.site.info()
        let presenter = EntryPresenter(site: site)
        let ids = Array(Set(list.flatMap(presenter.mediaIds)))
        let items = try await store.media(ids: ids)
        let rows = list.map { post in
            let states = presenter.mediaIds(in: post).compactMap { items[$0]?.state }
            let processing =
                states.isEmpty
                ? "" : states.contains(.failed) ? "failed" : states.allSatisfy { $0 == .ready } ? "ready" : "processing"
            return PostListView.Row(
                title: StudioText.title(of: post),
                editURL: base + "/posts/" + post.slug,
                publicURL: urls.post(slug: post.slug),
                kind: post.kind.rawValue,
                state: post.deletedAt != nil ? "deleted" : post.status.rawValue,
                date: DateText.long(post.published),
                processing: processing,
                isDeleted: post.deletedAt != nil,
                slug: post.slug
            )
        }
        return render(
            "posts",
            try await frame("Posts", section: "posts", csrf: signedIn.csrf),
            PostListView(rows: rows, kind: kindName, state: stateName)
        )
    }

    func edit(_ signedIn: OwnerSessions.SignedIn, slug: String, message: String) async throws -> Response {
        guard let post = try await store.post(slug: slug) else { throw StudioError.notFound }
        let site = try await services.site.info()
        let ids = EntryPresenter(site: site).mediaIds(in: post)
        let renditions = try await store.renditions(forMedia: ids)
        let photos = (post.properties["photo"] ?? []).map { value -> (src: String, alt: String) in
            let id = value.urlValue.flatMap(urls.mediaId(fromURL:))
            let thumbnail = id.flatMap { renditions[$0]?.jpeg(atLeast: 96) }.map { urls.rendition(fileName: $0.fileName) } ?? ""
            return (thumbnail, value.objectValue?["alt"]?.stringValue ?? "")
        }
        var view = PostEditView(
            action: base + "/posts/" + slug,
            publicURL: urls.post(slug: slug),
            name: post.strings("name").first ?? "",
            content: StudioText.source(of: post),
            categories: post.strings("category").joined(separator: ", "),
            photos: photos,
            isEpisode: post.kind == .audio,
            episode: StudioText.number(post, "episode"),
            season: StudioText.number(post, "season"),
            episodeType: post.strings("episode-type").first ?? "full",
            isDraft: post.status == .draft,
            isDeleted: post.deletedAt != nil,
            deleteAction: base + "/posts/" + slug + "/delete",
            undeleteAction: base + "/posts/" + slug + "/undelete",
            message: message
        )
        view.sent = try await store.sentMentions(postSlug: slug).map(PostEditView.SentRow.init)
        view.hasSent = !view.sent.isEmpty
        return render("edit", try await frame("Edit: " + StudioText.title(of: post), section: "posts", csrf: signedIn.csrf), view)
    }

    /// The edit form, saved as a Micropub update of the properties it shows.
    func save(_ request: Request, slug: String) async throws -> Response {
        let fields = Dictionary(try await ownerForm(request).map { ($0.name, $0.value) }) { first, _ in first }
        guard let post = try await store.post(slug: slug) else { throw StudioError.notFound }
        var replace: MF2Properties = [:]
        replace["name"] = fields["name"].flatMap { $0.isEmpty ? nil : [.string($0)] } ?? []
        let text = fields["content"] ?? ""
        replace["content"] = text.isEmpty ? [] : [.markdown(text)]
        replace["category"] = (fields["category"] ?? "").split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) }
            .filter { $0 != .string("") }
        if let photos = post.properties["photo"], !photos.isEmpty {
            replace["photo"] = photos.enumerated().map { index, value in
                guard let url = value.urlValue else { return value }
                let alt = fields["alt-\(index)"] ?? ""
                return alt.isEmpty ? .string(url) : .object(["value": .string(url), "alt": .string(alt)])
            }
        }
        if post.kind == .audio {
            for name in ["episode", "season"] { replace[name] = fields[name].flatMap(Int64.init).map { [.integer($0)] } ?? [] }
            replace["episode-type"] = fields["episode-type"].flatMap { $0.isEmpty ? nil : [.string($0)] } ?? []
        }
        replace["post-status"] = [.string(fields["draft"] == "yes" ? "draft" : "published")]
        try await publishing.update(MicropubUpdate(url: urls.post(slug: slug), replace: replace))
        return OwnerPage.redirect(to: base + "/posts/" + slug + "?saved=1")
    }

    func change(_ request: Request, slug: String, _ action: (String) async throws -> Void) async throws -> Response {
        _ = try await ownerForm(request)
        try await action(urls.post(slug: slug))
        return OwnerPage.redirect(to: base + "/posts/" + slug)
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
        return render(
            "media",
            try await frame("Media", section: "media", csrf: signedIn.csrf),
            MediaListView(rows: rows, eventsURL: base + "/events")
        )
    }

    func retry(_ request: Request, id: String) async throws -> Response {
        _ = try await ownerForm(request)
        guard let item = try await store.media(id: id), let kind = JobKind.processing(item.kind) else { throw StudioError.notFound }
        try await store.retry(mediaId: item.id, kind: kind, now: Date())
        return OwnerPage.redirect(to: base + "/media")
    }

    func deleteMedia(_ request: Request, id: String) async throws -> Response {
        _ = try await ownerForm(request)
        guard let item = try await store.media(id: id) else { throw StudioError.notFound }
        try await services.intake.delete(item, urls: urls)
        return OwnerPage.redirect(to: base + "/media")
    }

    // MARK: Show

    func show(_ signedIn: OwnerSessions.SignedIn, message: String) async throws -> Response {
        let site = try await services.site.info()
        let show = ShowSettings(stored: try await store.settings(), site: site)
        let view = ShowFormView(
            action: base + "/show",
            artworkAction: base + "/show/artwork",
            artworkURL: urls.rendition(fileName: try await services.artwork.fileName(for: show)),
            feedURL: urls.podcastFeed,
            fields: ShowFormView.fields(show, siteTitle: site.title, siteAuthor: site.authorName),
            message: message
        )
        return render("show", try await frame("Show", section: "show", csrf: signedIn.csrf), view)
    }

    func saveShow(_ request: Request) async throws -> Response {
        let fields = Dictionary(try await ownerForm(request).map { ($0.name, $0.value) }) { first, _ in first }
        try await services.site.set(title: fields["site-title"], author: fields["site-author"])
        var values: [SettingKey: String?] = [:]
        for key in ShowSettings.Key.allCases where key != .artwork && key != .guid {
            guard let value = fields[key.rawValue] else { continue }
            values[.show(key)] = value.isEmpty ? String?.none : value
        }
        try await store.setSettings(values)
        return OwnerPage.redirect(to: base + "/show?saved=1")
    }

    func saveArtwork(_ request: Request) async throws -> Response {
        guard let boundary = MultipartUpload.boundary(contentType: request.headers[.contentType]) else {
            throw StudioError.badRequest("send the artwork as multipart/form-data")
        }
        // The session is checked before any of the body is read; its CSRF
        // token, a field sent before the file, before the file reaches the disk.
        guard let signedIn = try await sessions.session(request) else { throw StudioError.forbidden }
        let form = try await MultipartUpload.receive(
            body: request.body,
            boundary: boundary,
            fileFields: ["artwork"],
            library: services.library,
            maxBytes: services.configuration.limits.maxUploadBytes,
            beforeFiles: { form in
                guard let sent = form.field("csrf"), Secrets.constantTimeEquals(signedIn.csrf, sent) else { throw StudioError.forbidden }
            }
        )
        defer { form.discard() }
        guard let sent = form.field("csrf"), Secrets.constantTimeEquals(signedIn.csrf, sent) else { throw StudioError.forbidden }
        guard let file = form.files.first else { throw StudioError.badRequest("choose an image") }
        let path = file.temporaryFile.path
        let jpeg: Data
        do {
            jpeg = try await services.requestPool.runImageWork { try ShowArtwork.make(from: path) }
        } catch let error as MediaError {
            throw StudioError.badRequest("the artwork cannot be used: \(error.description)")
        }
        let name = try services.library.writeRendition(jpeg, stem: "show-artwork", fileExtension: "jpg")
        try await store.setSettings([.show(.artwork): name])
        return OwnerPage.redirect(to: base + "/show?saved=1")
    }

    // MARK: Apps

    func apps(_ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let formatter = ISO8601DateFormatter()
        let rows = TokenGrant.group(try await store.allTokens(), now: Date()).map { grant in
            TokenListView.Row(
                id: grant.id,
                client: grant.clientId ?? "command line",
                scope: grant.scope.description,
                created: DateText.long(grant.created),
                expires: grant.expires.map(formatter.string) ?? "never",
                status: grant.isRefreshOnly ? "active (refresh only)" : grant.status.rawValue,
                isLive: grant.status == .active,
                lastUsed: grant.lastUsed.map(DateText.long) ?? "not yet"
            )
        }
        return render(
            "apps",
            try await frame("Apps", section: "apps", csrf: signedIn.csrf),
            TokenListView(action: base + "/apps/revoke", csrf: signedIn.csrf, rows: rows)
        )
    }

    func revoke(_ request: Request) async throws -> Response {
        let form = try await ownerForm(request)
        guard let id = form.first(where: { $0.name == "id" }).flatMap({ Int64($0.value) }) else {
            throw StudioError.badRequest("name the app to revoke")
        }
        _ = try await store.revokeToken(id: id, now: Date())
        return OwnerPage.redirect(to: base + "/apps")
    }

    // MARK: Listeners

    func listeners(_ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let stats = try await ListenerReport.stats(store: store, today: services.configuration.listenerClock())
        let view = ListenersPageView(stats, postURL: urls.post(slug:), isCounting: services.configuration.countListeners)
        return render("listeners", try await frame("Listeners", section: "listeners", csrf: signedIn.csrf), view)
    }

    // MARK: Mentions

    func mentions(_ signedIn: OwnerSessions.SignedIn) async throws -> Response {
        let held = try await store.mentions(state: .held, limit: 200)
        let recent = try await store.mentions(state: nil, limit: 100).filter { $0.state == .shown || $0.state == .rejected }
        func row(_ mention: Mention) -> MentionsPageView.Row { .init(mention, postURL: urls.post(slug: mention.postSlug)) }
        let view = MentionsPageView(
            action: base + "/mentions",
            csrf: signedIn.csrf,
            held: held.map(row),
            recent: recent.map(row),
            moderation: MentionPolicy(settings: try await store.settings()).moderation.rawValue
        )
        return render("mentions", try await frame("Mentions", section: "mentions", csrf: signedIn.csrf), view)
    }

    func moderate(_ request: Request) async throws -> Response {
        let form = Dictionary(try await ownerForm(request).map { ($0.name, $0.value) }) { first, _ in first }
        guard let id = form["id"], let mention = try await store.mention(id: id) else { throw StudioError.badRequest("name the mention") }
        let moderation = MentionModeration(store: store)
        switch form["do"] {
        case "approve": try await moderation.approve(id: id)
        case "reject": try await moderation.reject(id: id)
        case "block": try await moderation.block(domain: mention.domain)
        default: throw StudioError.badRequest("approve, reject or block")
        }
        return OwnerPage.redirect(to: base + "/mentions")
    }

    // MARK: Session

    func signOut(_ request: Request) async throws -> Response {
        _ = try await ownerForm(request)
        var response = OwnerPage.redirect(to: urls.home)
        response.headers[.setCookie] = try await sessions.end(request)
        return response
    }

    func asset(_ request: Request) -> Response {
        guard let asset = assets.asset(at: request.uri.path) else {
            return Response(status: .notFound)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: asset.contentType, .cacheControl: "public, max-age=31536000, immutable", .contentLength: String(asset.body.count),
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: asset.body))
        )
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
