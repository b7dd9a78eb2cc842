import Foundation
import HTMLKit
import Hummingbird
import MediaModel
import MicrocastApp
import MicrocastCore
import NIOCore

/// The studio's composer and posts: compose (a Micropub client of this
/// site, in the browser), preview Markdown, list, search, edit, delete and restore.
struct StudioPostsController: Sendable {
    let pages: StudioPages
    let store: any PostRepository & MediaRepository & MentionRepository & SyndicationRepository & SearchRepository
    let publishing: Publishing
    var urls: SiteURLs { pages.urls }
    var base: String { pages.base }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio/new") { request, _ in try await pages.page(request) { try await composer($0, request: request) } }
        router.post("/studio/preview") { request, _ in try await preview(request) }
        router.get("/studio/search") { request, _ in try await pages.page(request) { try await search($0, request: request) } }
        router.get("/studio/posts") { request, _ in try await pages.page(request) { try await posts($0, request: request) } }
        router.get("/studio/posts/{slug}") { request, context in
            let slug = try context.parameters.require("slug")
            return try await pages.page(request) {
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
            kind: ["note", "photo", "audio", "video"].contains(kind) ? kind : "note",
            accounts: try await store.syndicationAccounts().map(ComposerAccount.init)
        )
        return pages.render(
            "new",
            try await pages.frame("Compose", section: .new, csrf: signedIn.csrf, scripts: ["upload.js", "live.js", "composer.js"]),
            view
        )
    }

    /// Markdown, rendered and sanitised exactly as a post's text is.
    func preview(_ request: Request) async throws -> Response {
        _ = try await pages.verified(request, csrf: request.headers[.csrfToken])
        let text = String(buffer: try await request.body.collect(upTo: 256 * 1024))
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: Markdown.html(text)))
        )
    }

    // MARK: Posts

    /// The owner's search: drafts and scheduled posts too; a published
    /// post's result leads to the moment on the site, any other to its editor.
    func search(_ signedIn: OwnerSessions.SignedIn, request: Request) async throws -> Response {
        let text = String((request.uri.queryParameters["q"].map(String.init) ?? "").prefix(200))
        var hits: [SearchHit]?
        if let query = SearchQuery(text, includesUnpublished: true) { hits = try await store.search(query) }
        let view = SearchPageView.make(text: text, hits: hits, action: base + "/search") { post in
            post.isPublic ? urls.post(slug: post.slug) : base + "/posts/" + SitePath.segment(post.slug)
        }
        return pages.render("search", try await pages.frame("Search", section: .search, csrf: signedIn.csrf), view)
    }

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
        let site = try await pages.site.info()
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
        return pages.render(
            "posts",
            try await pages.frame("Posts", section: .posts, csrf: signedIn.csrf),
            PostListView(rows: rows, kind: kindName, state: stateName)
        )
    }

    func edit(_ signedIn: OwnerSessions.SignedIn, slug: String, message: String) async throws -> Response {
        guard let post = try await store.post(slug: slug) else { throw StudioError.notFound }
        let site = try await pages.site.info()
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
        let responses = try await store.mentions(postSlug: slug, states: [.held, .shown, .rejected])
        view.responses = responses.map { MentionsPageView.Row($0, postURL: urls.post(slug: slug)) }
        view.hasResponses = !responses.isEmpty
        view.mentionsURL = base + "/mentions"
        let shown = responses.filter { $0.state == .shown }
        view.responseCounts = ConversationPresenter.countsText(Dictionary(grouping: shown, by: \.kind).mapValues(\.count))
        return pages.render("edit", try await pages.frame("Edit: " + StudioText.title(of: post), section: .posts, csrf: signedIn.csrf), view)
    }

    /// The edit form, saved as a Micropub update of the properties it shows.
    func save(_ request: Request, slug: String) async throws -> Response {
        let fields = Dictionary(try await pages.ownerForm(request).map { ($0.name, $0.value) }) { first, _ in first }
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
        _ = try await pages.ownerForm(request)
        try await action(urls.post(slug: slug))
        return OwnerPage.redirect(to: base + "/posts/" + slug)
    }
}
