import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOConcurrencyHelpers
import NIOCore

/// Decides, before any of a request's body is read, how far its sender is
/// trusted with the server's memory:
///
/// - A credential in the headers (a bearer token, or the studio's session
///   cookie with its CSRF token) is verified here, first. A valid one lets the
///   body through; one that does not verify counts as none (a bogus
///   `Authorization` header earns nothing).
/// - Bodies from senders without a verified credential (sign-in and token
///   forms, Webmentions, strangers) take one of a few slots; past the cap such
///   a request is answered 503 at once, before its body is read.
/// - Every body must keep up a minimum rate (after a grace period), so a
///   body that trickles a byte at a time is cut off with 408 instead of
///   holding its buffer for hours; the idle timeout alone would not.
///
/// Routes check their own credentials again (for the scope they need) before
/// they read a body; this is the server-wide floor beneath them.
struct BodyAdmission<Context: RequestContext>: RouterMiddleware {
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
    let authenticator: Authenticator
    let minimumRate: MinimumBodyRate

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let hasBody = request.headers[.contentLength].map { $0 != "0" } ?? (request.headers[.transferEncoding] != nil)
        guard hasBody else { return try await next(request, context) }
        var request = request
        request.body = RequestBody(asyncSequence: RateCheckedBody(base: request.body, rate: minimumRate))
        if authenticator.hasHeaderCredential(request), await authenticator.verifiesHeaderCredential(request) {
            return try await next(request, context)
        }
        guard slots.take() else {
            var response = APIErrorMiddleware<Context>.response(
                MicropubError(.invalidRequest, "too many requests without a valid token are being received; try again shortly", status: 503)
            )
            response.headers[.retryAfter] = "5"
            return response
        }
        defer { slots.give() }
        return try await next(request, context)
    }
}

/// The slowest a request body may arrive: after `grace`, at least
/// `bytesPerSecond` on average since the request began (as Apache's
/// `mod_reqtimeout` `MinRate` does). Checked as each chunk arrives; between
/// chunks the connection's idle timeout applies.
public struct MinimumBodyRate: Sendable {
    public var grace: Duration
    public var bytesPerSecond: Int

    public init(grace: Duration = .seconds(20), bytesPerSecond: Int = 500) {
        self.grace = grace
        self.bytesPerSecond = bytesPerSecond
    }

    /// Whether `received` bytes `elapsed` after the start are too few.
    func isTooSlow(received: Int, elapsed: Duration) -> Bool {
        elapsed > grace + .milliseconds(Int64(received) * 1000 / Int64(max(1, bytesPerSecond)))
    }
}

/// A request body that fails with 408 once it falls below its minimum rate.
struct RateCheckedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let rate: MinimumBodyRate

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let rate: MinimumBodyRate
        let start = ContinuousClock.now
        var received = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            received += chunk.readableBytes
            if rate.isTooSlow(received: received, elapsed: .now - start) {
                throw HTTPError(
                    .requestTimeout,
                    message: "the request body arrived slower than \(rate.bytesPerSecond) bytes a second; send it again at a usable speed"
                )
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), rate: rate) }
}
