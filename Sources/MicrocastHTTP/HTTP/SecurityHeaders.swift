import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore

/// Headers every answer carries. Pages get a Content-Security-Policy that
/// allows only the templates' own inline script (by hash), so a `<script>` in
/// a post's HTML does not run; the sign-in, consent and studio pages may not
/// be framed by anyone (clickjacking). An answer that set its own policy (the
/// `/media` sandbox) keeps it.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let scriptHashes: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.xContentTypeOptions] == nil { response.headers[.xContentTypeOptions] = "nosniff" }
        response.headers[.referrerPolicy] = "strict-origin-when-cross-origin"
        let isPage = response.headers[.contentType]?.lowercased().hasPrefix("text/html") == true
        if isPage && response.headers[.contentSecurityPolicy] == nil {
            let isAuth = request.uri.path.hasPrefix("/auth") || request.uri.path.hasPrefix("/studio")
            response.headers[.contentSecurityPolicy] = PagePolicy.header(scriptHashes: scriptHashes, frameable: !isAuth)
            if isAuth { response.headers[.frameOptions] = "DENY" }
        }
        return response
    }
}
