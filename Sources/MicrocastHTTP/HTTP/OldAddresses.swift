import HTTPTypes
import Hummingbird
import MicrocastCore

/// Old addresses keep working: a GET or HEAD that would be a 404 is looked
/// up in the redirect table (kept by imports, edited in the studio) and
/// answered with a 301 to the post's address here. Nothing that exists is
/// shadowed: the table is read only when no route had an answer, except for
/// WordPress's `/?p=123` shortlinks, which name a post by a query this site
/// never uses (its home page would answer them otherwise).
struct OldAddressesMiddleware<Context: RequestContext>: RouterMiddleware {
    let redirects: any RedirectRepository
    let urls: SiteURLs

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else { return try await next(request, context) }
        if let query = request.uri.query, RedirectPath.namesPage(query: query), let moved = try await lookUp(request) { return moved }
        do {
            let response = try await next(request, context)
            guard response.status == .notFound, let moved = try await lookUp(request) else { return response }
            return moved
        } catch let error as any HTTPResponseError where error.status == .notFound {
            guard let moved = try await lookUp(request) else { throw error }
            return moved
        }
    }

    func lookUp(_ request: Request) async throws -> Response? {
        for key in RedirectPath.candidates(path: request.uri.path, query: request.uri.query) {
            if let found = try await redirects.redirect(path: key) {
                return Response(status: .movedPermanently, headers: [.location: urls.base + found.target, .cacheControl: "public, max-age=86400"])
            }
        }
        return nil
    }
}
