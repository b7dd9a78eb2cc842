import Foundation
import Hummingbird
import Logging
import MicrocastApp

/// One structured log line per request, written when the answer is ready,
/// and the same answer counted in the metrics by its route's pattern (never
/// its path, which a client chooses). Only the path is logged: query strings
/// can carry an `access_token`.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    /// Milliseconds to one decimal, without `String(format:)` (Foundation's
    /// number formatting was a twentieth of a cached page's time).
    static func tenths(_ duration: Duration) -> String {
        let tenths = max(0, Int((duration.milliseconds * 10).rounded()))
        return "\(tenths / 10).\(tenths % 10)"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func log(_ status: Int, bodyBytes: Int?) {
            let duration = ContinuousClock.now - start
            context.logger.info(
                "request",
                metadata: [
                    "method": "\(request.method.rawValue)",
                    "path": "\(request.uri.path)",
                    "status": "\(status)",
                    "ms": "\(Self.tenths(duration))",
                ]
            )
            metrics.requestAnswered(
                route: context.endpointPath ?? "unmatched",
                method: request.method.rawValue,
                status: status,
                duration: duration,
                bodyBytes: bodyBytes
            )
        }
        do {
            let response = try await next(request, context)
            log(response.status.code, bodyBytes: request.method == .head ? nil : response.body.contentLength)
            return response
        } catch let error as HTTPResponseError {
            log(error.status.code, bodyBytes: nil)
            throw error
        } catch {
            log(500, bodyBytes: nil)
            throw error
        }
    }
}
