import Foundation
import Hummingbird
import Logging

/// One structured log line per request, written when the answer is ready.
/// Only the path is logged: query strings can carry an `access_token`.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func log(_ status: Int) {
            let milliseconds = (ContinuousClock.now - start).milliseconds
            context.logger.info(
                "request",
                metadata: [
                    "method": "\(request.method.rawValue)",
                    "path": "\(request.uri.path)",
                    "status": "\(status)",
                    "ms": "\(String(format: "%.1f", milliseconds))",
                ]
            )
        }
        do {
            let response = try await next(request, context)
            log(response.status.code)
            return response
        } catch let error as HTTPResponseError {
            log(error.status.code)
            throw error
        } catch {
            log(500)
            throw error
        }
    }
}
