import Foundation
import HTTPTypes
import Hummingbird
import MicrocastCore

/// Published pages: the home timeline and each post's permalink.
struct SiteController: Sendable {
    let posts: any PostRepository
    let media: any MediaRepository
    let renderer: SiteRenderer
    let site: SiteInfo
    static let pageSize = 20

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/") { _, _ in try await home() }
        // Link-header discovery often starts with HEAD.
        router.head("/") { _, _ in
            var response = try await home()
            let length = response.body.contentLength
            response.body = .init()
            if let length { response.headers[.contentLength] = String(length) }
            return response
        }
        router.get("/posts/{slug}") { _, context in try await permalink(context.parameters.require("slug")) }
        router.get("/health") { _, _ in "ok" }
    }

    func home() async throws -> Response {
        let page = try await posts.publishedPosts(limit: Self.pageSize, offset: 0)
        var response = html(.ok, renderer.home(site: site, entries: try await entries(page)))
        // Clients that read only headers discover the endpoints here.
        let urls = site.urls
        response.headers[HTTPField.Name("Link")!] = [
            "<\(urls.micropub)>; rel=\"micropub\"", "<\(urls.indieAuthMetadata)>; rel=\"indieauth-metadata\"",
            "<\(urls.authorization)>; rel=\"authorization_endpoint\"", "<\(urls.token)>; rel=\"token_endpoint\"",
        ].joined(separator: ", ")
        return response
    }

    func permalink(_ slug: String) async throws -> Response {
        guard let post = try await posts.post(slug: slug), post.status == .published else {
            return html(.notFound, renderer.error(site: site, status: 404, message: "There is no post here."))
        }
        if post.deletedAt != nil {
            return html(.gone, renderer.error(site: site, status: 410, message: "This post was deleted."))
        }
        return html(.ok, renderer.post(site: site, entry: try await entries([post])[0]))
    }

    /// Views for posts, with one store read for all of their media.
    func entries(_ list: [Post]) async throws -> [EntryView] {
        let presenter = EntryPresenter(site: site)
        let ids = Array(Set(list.flatMap(presenter.mediaIds)))
        let items = try await media.media(ids: ids)
        let renditions = try await media.renditions(forMedia: ids)
        return list.map { presenter.entry($0, media: items, renditions: renditions) }
    }

    func html(_ status: HTTPResponse.Status, _ page: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
