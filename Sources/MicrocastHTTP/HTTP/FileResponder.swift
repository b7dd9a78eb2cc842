import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore

/// Serves an immutable file the way podcast players and browsers expect:
/// one byte range (206/416), HEAD with the same headers, a strong ETag and
/// Last-Modified with 304s, and `If-Range`.
///
/// Hummingbird's file middleware gets `bytes=-N`, a start past the end, HEAD
/// with Range and weak `If-Range` wrong, and Apple's player refuses a 200
/// answer to its opening `Range: bytes=0-1`; hence this responder.
struct FileResponder: Sendable {
    let fileIO = FileIO()

    struct File {
        var path: String
        var contentType: String
        /// The content's hash; becomes the strong ETag.
        var contentHash: String
        var cacheControl: String
        /// Told the bytes an answer carries (never for HEAD, 304 or 416): the download counter's hook.
        var onServed: (@Sendable (_ bytes: ClosedRange<Int64>, _ size: Int64) async -> Void)?
    }

    func respond(_ file: File, request: Request, context: some RequestContext) async throws -> Response {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
            let size = (attributes[.size] as? NSNumber)?.int64Value
        else { throw HTTPError(.notFound) }
        let modified = (attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
        let validators = FileValidators(etag: "\"\(file.contentHash)\"", lastModified: modified)

        var headers: HTTPFields = [
            .contentType: file.contentType,
            .eTag: validators.etag,
            .lastModified: HTTPDate.format(validators.lastModified),
            .acceptRanges: "bytes",
            .cacheControl: file.cacheControl,
            // Uploads are strangers' bytes: never sniffed into another type,
            // and an HTML or SVG opened directly runs in a sandbox with no origin.
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: PagePolicy.media,
        ]
        if validators.isNotModified(
            ifNoneMatch: request.headers[.ifNoneMatch],
            ifModifiedSince: request.headers[.ifModifiedSince]
        ) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }

        let rangeHeader = validators.rangeApplies(ifRange: request.headers[.ifRange]) ? request.headers[.range] : nil
        let isHead = request.method == .head
        switch ByteRange.answer(rangeHeader: rangeHeader, size: size) {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            headers[.contentType] = nil
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .partial(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            if !isHead { await file.onServed?(range.lowerBound...range.upperBound, size) }
            let body: ResponseBody =
                isHead
                ? ResponseBody() : try await fileIO.loadFile(path: file.path, range: Int(range.lowerBound)...Int(range.upperBound), context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        case .whole:
            headers[.contentLength] = String(size)
            if !isHead, size > 0 { await file.onServed?(0...(size - 1), size) }
            let body: ResponseBody =
                isHead || size == 0 ? ResponseBody() : try await fileIO.loadFile(path: file.path, context: context)
            return Response(status: .ok, headers: headers, body: body)
        }
    }
}
