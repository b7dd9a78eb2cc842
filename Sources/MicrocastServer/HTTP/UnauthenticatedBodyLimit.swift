import HTTPTypes
import Hummingbird
import MicrocastCore
import NIOConcurrencyHelpers

/// Caps how many request bodies from senders without an `Authorization`
/// header are being received at once (form tokens, sign-in and token-endpoint
/// forms, strangers). Each is small and time-limited by the idle timeout, but
/// a crowd of slow ones would otherwise hold memory and connections; past the
/// cap such a request is answered 503 at once, before its body is read.
/// Requests with a bearer token are never held back by strangers.
struct UnauthenticatedBodyLimit<Context: RequestContext>: RouterMiddleware {
    final class Slots: Sendable {
        let limit: Int
        private let taken = NIOLockedValueBox(0)
        init(limit: Int) { self.limit = limit }
        func take() -> Bool {
            taken.withLockedValue { count in
                guard count < limit else { return false }
                count += 1
                return true
            }
        }
        func give() { taken.withLockedValue { $0 -= 1 } }
    }

    let slots: Slots

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let hasBody = request.headers[.contentLength].map { $0 != "0" } ?? (request.headers[.transferEncoding] != nil)
        // The studio's requests carry their CSRF token instead, checked before any body is read.
        guard hasBody, request.headers[.authorization] == nil, request.headers[.csrfToken] == nil else {
            return try await next(request, context)
        }
        guard slots.take() else {
            var response = APIErrorMiddleware<Context>.response(
                MicropubError(.invalidRequest, "too many requests without a token are being received; try again shortly", status: 503)
            )
            response.headers[.retryAfter] = "5"
            return response
        }
        defer { slots.give() }
        return try await next(request, context)
    }
}
