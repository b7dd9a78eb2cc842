import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOPosix

/// The public site: pages, feeds, the sitemap and the stylesheet, as the
/// `SitePublisher` renders them. Renderings are cached until the store's
/// content stamp changes and served with a strong ETag, `Last-Modified`,
/// 304s and HEAD; the fingerprinted stylesheet is cacheable for a year.
struct SiteController: Sendable {
    let publisher: SitePublisher
    let cache: PageCache
    /// Where pages are compressed, off Swift's cooperative threads.
    let pool: NIOThreadPool
    /// The home page and permalinks as ActivityStreams, for clients that ask.
    let fediverse: FediverseIdentity
    /// Checks signed GETs of posts as objects in secure mode.
    let inbox: FediverseInbox

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        for path in SitePath.routePatterns {
            // Link-header discovery often starts with HEAD.
            router.get(RouterPath(path)) { request, _ in try await serve(request) }
            router.head(RouterPath(path)) { request, _ in try await serve(request) }
        }
        // A search depends on its query: answered fresh, never cached or exported.
        router.get("/search") { request, _ in try await search(request) }
        router.head("/search") { request, _ in try await search(request) }
        router.get("/health") { _, _ in "ok" }
        // Browsers ask every site for this; the answer is the show's artwork.
        router.get("/favicon.ico") { _, _ in
            Response(status: .found, headers: [.location: try await publisher.iconURL(), .cacheControl: "public, max-age=3600"])
        }
    }

    func search(_ request: Request) async throws -> Response {
        let text = String((request.uri.queryParameters["q"].map(String.init) ?? "").prefix(200))
        let page = try await publisher.searchPage(text)
        return Response(
            status: .ok,
            headers: [
                .contentType: page.contentType, .contentLength: String(page.body.count), .cacheControl: "no-cache",
                .link: "<\(publisher.site.urls.webmention)>; rel=\"webmention\"",
            ],
            body: request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: page.body))
        )
    }

    func serve(_ request: Request) async throws -> Response {
        let path = request.uri.path
        let sitePath = SitePath(path: path)
        if ActivityStreams.isWanted(accept: request.headers[.accept]) {
            switch sitePath {
            case .home(page: 1)?: return FediverseController.json(try await fediverse.actor())
            case .post(let slug)?:
                if let refusal = try await InboxController.readRefusal(request, inbox: inbox) { return refusal }
                if let object = try await fediverse.object(slug: slug) { return FediverseController.json(object) }
            default: break
            }
        }
        let stamp = try await publisher.posts.contentStamp()
        let entry = try await cache.entry(path, stamp: stamp) { [publisher, pool] in
            var found: PublishedPage?
            if let sitePath { found = try await publisher.page(sitePath) }
            let page = if let found { found } else { try await publisher.notFound() }
            return try await PageCache.Entry.make(stamp: stamp, page: page, modified: Date(), pool: pool)
        }
        let encoding = ContentEncoding.preferred(request.headers[.acceptEncoding], offered: Set(entry.bodies.keys))
        let isStylesheet = path.hasPrefix("/static/")
        var headers: HTTPFields = [
            .contentType: entry.page.contentType, .eTag: entry.etag(encoding), .lastModified: HTTPDate.format(entry.modified),
            // Named by content, the stylesheet never changes; pages and feeds are checked every few minutes.
            .cacheControl: isStylesheet ? "public, max-age=31536000, immutable" : "public, max-age=300",
        ]
        let urls = publisher.site.urls
        let negotiatesType = path == "/" || { if case .post? = sitePath { true } else { false } }()
        if entry.bodies.count > 1 || negotiatesType {
            headers[.vary] = [negotiatesType ? "Accept" : nil, entry.bodies.count > 1 ? "Accept-Encoding" : nil].compactMap { $0 }.joined(
                separator: ", "
            )
        }
        if encoding != .identity { headers[.contentEncoding] = encoding.rawValue }
        if path == "/" {
            // Clients that read only headers discover the endpoints here.
            headers[.link] = [
                "<\(urls.micropub)>; rel=\"micropub\"", "<\(urls.indieAuthMetadata)>; rel=\"indieauth-metadata\"",
                "<\(urls.authorization)>; rel=\"authorization_endpoint\"", "<\(urls.token)>; rel=\"token_endpoint\"",
                "<\(urls.webmention)>; rel=\"webmention\"", "<\(urls.microsub)>; rel=\"microsub\"",
                "<\(urls.openSearch)>; rel=\"search\"; type=\"application/opensearchdescription+xml\"",
            ].joined(separator: ", ")
        } else if entry.page.contentType.hasPrefix("text/html") {
            // Webmention senders read the header first (the specification's discovery order).
            headers[.link] = "<\(urls.webmention)>; rel=\"webmention\""
        }
        if let location = entry.page.location {
            return Response(
                status: HTTPResponse.Status(code: entry.page.status),
                headers: [.location: location, .cacheControl: "public, max-age=3600"]
            )
        }
        let status = HTTPResponse.Status(code: entry.page.status)
        let validators = FileValidators(etag: entry.etag(encoding), lastModified: entry.modified)
        if status == .ok,
            validators.isNotModified(ifNoneMatch: request.headers[.ifNoneMatch], ifModifiedSince: request.headers[.ifModifiedSince])
        {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        let bytes = entry.bodies[encoding] ?? ByteBuffer()
        headers[.contentLength] = String(bytes.readableBytes)
        let body = request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: bytes)
        return Response(status: status, headers: headers, body: body)
    }
}
