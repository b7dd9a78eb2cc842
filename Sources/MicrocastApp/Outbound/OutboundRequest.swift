import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What a request carries: nothing, a few bytes, or a file streamed from
/// disk between a prefix and a suffix (a multipart upload of a video is
/// never held in memory whole).
public enum OutboundBody: Sendable {
    case text(String)
    case bytes(Data)
    case file(URL, prefix: Data = Data(), suffix: Data = Data())

    /// The body as the HTTP client sends it, its length known in advance.
    func requestBody() throws -> HTTPClientRequest.Body {
        switch self {
        case .text(let text): return .bytes(ByteBuffer(string: text))
        case .bytes(let data): return .bytes(ByteBuffer(bytes: data))
        case .file(let url, let prefix, let suffix):
            let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
            return .stream(FileChunks(url: url, prefix: prefix, suffix: suffix), length: .known(Int64(prefix.count + size + suffix.count)))
        }
    }
}

/// One call to a network's API.
public struct OutboundRequest: Sendable {
    public var method: HTTPMethod
    public var url: URL
    public var headers: [String: String]
    public var body: OutboundBody?
    /// Longer than the default for uploads of video.
    public var timeout: Duration?
    /// Larger than the default for answers that list many things.
    public var maxAnswerBytes: Int?

    public init(
        _ method: HTTPMethod,
        _ url: URL,
        headers: [String: String] = [:],
        body: OutboundBody? = nil,
        timeout: Duration? = nil,
        maxAnswerBytes: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxAnswerBytes = maxAnswerBytes
    }

    /// A JSON body, with its content type.
    public static func json(
        _ method: HTTPMethod,
        _ url: URL,
        _ value: some Encodable,
        headers: [String: String] = [:]
    ) throws -> OutboundRequest {
        var all = headers
        all["Content-Type"] = "application/json"
        return OutboundRequest(method, url, headers: all, body: .bytes(try JSONEncoder().encode(value)))
    }
}

/// A file read in pieces, after a prefix and before a suffix.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let url: URL
    let prefix: Data
    let suffix: Data

    struct AsyncIterator: AsyncIteratorProtocol {
        let url: URL
        let suffix: Data
        var pendingPrefix: Data?
        var handle: FileHandle?
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            if let prefix = pendingPrefix {
                pendingPrefix = nil
                if !prefix.isEmpty { return ByteBuffer(bytes: prefix) }
            }
            if !finished {
                if handle == nil { handle = try FileHandle(forReadingFrom: url) }
                if let chunk = try handle?.read(upToCount: 256 * 1024), !chunk.isEmpty { return ByteBuffer(bytes: chunk) }
                try handle?.close()
                finished = true
                if !suffix.isEmpty { return ByteBuffer(bytes: suffix) }
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(url: url, suffix: suffix, pendingPrefix: prefix) }
}

/// A `multipart/form-data` body whose one file is streamed from disk.
public struct MultipartUploadBody: Sendable {
    public let boundary = "microcast-" + UUID().uuidString
    public var fields: [(String, String)]
    public var fileField: String
    public var fileName: String
    public var mimeType: String

    public init(fields: [(String, String)], fileField: String, fileName: String, mimeType: String) {
        self.fields = fields
        self.fileField = fileField
        self.fileName = fileName
        self.mimeType = mimeType
    }

    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// The body around the file at `url`.
    public func body(file url: URL) -> OutboundBody {
        var head = ""
        for (name, value) in fields {
            head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        head += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(fileName)\"\r\n"
        head += "Content-Type: \(mimeType)\r\n\r\n"
        return .file(url, prefix: Data(head.utf8), suffix: Data("\r\n--\(boundary)--\r\n".utf8))
    }
}

extension URL {
    /// This URL with `query` as its query (as it is when there is none).
    func adding(_ query: [URLQueryItem]) -> URL {
        guard !query.isEmpty, var parts = URLComponents(url: self, resolvingAgainstBaseURL: false) else { return self }
        parts.queryItems = query
        return parts.url ?? self
    }
}
