import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore

/// The owner's studio: compose posts (through this site's own Micropub and
/// upload endpoints, from the browser), follow their processing, edit and
/// delete posts, retry failed files, change the show, moderate mentions, read
/// listener counts and revoke apps. Pages are server-rendered; a few small
/// scripts do what needs a browser (uploads with progress, live states).
/// Every page needs the owner's session, every form its CSRF token. This is
/// the shell (signing in and out, live states, assets); each part of the
/// studio is a controller of its own, taking only what it uses.
struct StudioController: Sendable {
    let pages: StudioPages
    let posts: StudioPostsController
    let media: StudioMediaController
    let show: StudioShowController
    let audience: StudioAudienceController
    let syndication: StudioSyndicationController
    let fediverse: StudioFediverseController
    let imports: StudioImportController
    let following: StudioFollowingController
    let events: StudioEvents

    var urls: SiteURLs { pages.urls }
    var base: String { pages.base }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio") { request, _ in try await pages.page(request) { _ in OwnerPage.redirect(to: base + "/posts") } }
        router.get("/studio/sign-in") { request, _ in
            let next = request.uri.queryParameters["next"].map(String.init) ?? base
            return try await pages.signIn(AuthorizationController.isOwnPage(next, urls: urls) ? next : base)
        }
        router.post("/studio/sign-out") { request, _ in try await signOut(request) }
        router.get("/studio/events") { request, _ in try await events.stream(request, sessions: pages.sessions) }
        router.get("/static/studio/{file}") { request, _ in asset(request) }
        posts.addRoutes(to: router)
        media.addRoutes(to: router)
        show.addRoutes(to: router)
        audience.addRoutes(to: router)
        syndication.addRoutes(to: router)
        fediverse.addRoutes(to: router)
        imports.addRoutes(to: router)
        following.addRoutes(to: router)
    }

    func signOut(_ request: Request) async throws -> Response {
        _ = try await pages.ownerForm(request)
        var response = OwnerPage.redirect(to: urls.home)
        response.headers[.setCookie] = try await pages.sessions.end(request)
        return response
    }

    func asset(_ request: Request) -> Response {
        guard let asset = pages.assets.asset(at: request.uri.path) else {
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
