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
    /// Counts the bytes each answer carries, by where they come from.
    let metrics: ServiceMetrics

    struct File {
        /// Where the bytes are: a file in this process's folder, or an object in the site's bucket.
        enum Source {
            case path(String)
            case object(MediaKey, in: BucketMediaStore)

            /// The metrics' `source` label.
            var label: String {
                switch self {
                case .path: "folder"
                case .object: "bucket"
                }
            }
        }
        var source: Source
        var contentType: String
        /// The content's hash; becomes the strong ETag.
        var contentHash: String
        var cacheControl: String
        /// Told the bytes an answer carries (never for HEAD, 304 or 416): the download counter's hook.
        var onServed: (@Sendable (_ bytes: ClosedRange<Int64>, _ size: Int64) async -> Void)?
    }

    func respond(_ file: File, request: Request, context: some RequestContext) async throws -> Response {
        let size: Int64
        let modified: Date
        switch file.source {
        case .path(let path):
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let bytes = (attributes[.size] as? NSNumber)?.int64Value
            else { throw HTTPError(.notFound) }
            (size, modified) = (bytes, (attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0))
        case .object(let key, let bucket):
            guard let stored = try await bucket.describeServed(key) else { throw HTTPError(.notFound) }
            (size, modified) = (stored.byteCount, stored.modified ?? Date(timeIntervalSince1970: 0))
        }
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
            if !isHead {
                await file.onServed?(range.lowerBound...range.upperBound, size)
                metrics.mediaBytesServed(range.count, from: file.source.label)
            }
            let body = isHead ? ResponseBody() : try await self.body(of: file, range: range, context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        case .whole:
            headers[.contentLength] = String(size)
            if !isHead, size > 0 {
                await file.onServed?(0...(size - 1), size)
                metrics.mediaBytesServed(Int(size), from: file.source.label)
            }
            let body = isHead || size == 0 ? ResponseBody() : try await self.body(of: file, range: 0...(size - 1), context: context)
            return Response(status: .ok, headers: headers, body: body)
        }
    }

    /// The bytes of `range`, read as they are sent: from the file, or from the bucket as they arrive.
    func body(of file: File, range: ClosedRange<Int64>, context: some RequestContext) async throws -> ResponseBody {
        switch file.source {
        case .path(let path):
            return try await fileIO.loadFile(path: path, range: Int(range.lowerBound)...Int(range.upperBound), context: context)
        case .object(let key, let bucket):
            guard let (_, bytes) = try await bucket.open(key, range: range) else { throw HTTPError(.notFound) }
            return ResponseBody(asyncSequence: bytes)
        }
    }
}
