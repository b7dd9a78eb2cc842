import Foundation
import Hummingbird
import MediaKit
import MediaModel
import MicrocastApp
import MicrocastCore

/// Turns errors from the Micropub and media endpoints into the JSON body the
/// specifications give: `{"error": "...", "error_description": "..."}`.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A full disk (the files' or the store's) is 507, not 500.
    let diskSpace: DiskSpace

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as MicropubError {
            return Self.response(error)
        } catch let error as HTTPResponseError {
            throw error
        } catch  where diskSpace.isFull(error) {
            context.logger.error("disk full", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Self.response(DiskSpace.refusal)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Self.response(MicropubError(.invalidRequest, "the server could not complete the request", status: 500))
        }
    }

    static func response(_ error: MicropubError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if error.status == 401 { headers[.wwwAuthenticate] = "Bearer" }
        let body: [String: String] = ["error": error.code.rawValue, "error_description": error.description]
        let data = (try? JSONEncoder.sorted.encode(body)) ?? Data()
        return Response(
            status: .init(code: error.status),
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
