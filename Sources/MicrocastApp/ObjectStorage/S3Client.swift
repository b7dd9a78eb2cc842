import AsyncHTTPClient
import Crypto
import Foundation
import MediaModel
import MicrocastCore
import NIOCore
import NIOHTTP1

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Amazon S3's REST API, as much of it as a media library needs: objects
/// put, read (with ranges), described and deleted, and multipart uploads
/// (so a large file is sent part by part, and an abandoned one is aborted
/// rather than left as parts). Every request is signed with SigV4.
///
/// The endpoint is the operator's own configuration, often on a private
/// network (MinIO beside the server), so requests go straight through
/// AsyncHTTPClient rather than the safe fetcher, which exists to keep
/// strangers' URLs off private addresses.
public struct S3Client: Sendable {
    public let location: BucketLocation
    let signer: SigV4Signer
    let http: HTTPClient
    var timeout: TimeAmount = .seconds(60)

    public init(location: BucketLocation, credentials: AWSCredentials, http: HTTPClient) {
        self.location = location
        signer = SigV4Signer(credentials: credentials, region: location.region)
        self.http = http
    }

    /// An answer S3 gave that was not a success, with its error code (`NoSuchKey`, `SignatureDoesNotMatch`).
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var status: Int
        public var code: String
        public var message: String
        public var description: String { "object storage answered \(status) \(code): \(message)" }
    }

    /// What a HEAD or GET told of an object.
    public struct ObjectInfo: Sendable, Equatable {
        public var byteCount: Int64
        public var etag: String
        public var contentType: String?
        /// The SHA-256 `putFile` recorded as the object's metadata (hex), if it was put that way.
        public var sha256: String?
        public var lastModified: Date?

        init(byteCount: Int64, etag: String, contentType: String? = nil, sha256: String? = nil, lastModified: Date? = nil) {
            self.byteCount = byteCount
            self.etag = etag
            self.contentType = contentType
            self.sha256 = sha256
            self.lastModified = lastModified
        }

        init(headers: HTTPHeaders) {
            self.init(
                byteCount: Int64(headers.first(name: "content-length") ?? "") ?? 0,
                etag: headers.first(name: "etag") ?? "",
                contentType: headers.first(name: "content-type"),
                sha256: headers.first(name: Self.sha256Header),
                lastModified: headers.first(name: "last-modified").flatMap(HTTPDate.parse)
            )
        }

        static let sha256Header = "x-amz-meta-sha256"
    }

    // MARK: Objects

    public func createBucket() async throws {
        _ = try await send("PUT", key: nil, expecting: [200])
    }

    public func put(_ key: String, data: Data, contentType: String) async throws {
        _ = try await send("PUT", key: key, headers: [("Content-Type", contentType)], body: data, expecting: [200])
    }

    /// The object's bytes, or those of `range` (`first...last`, as in HTTP).
    public func get(_ key: String, range: ClosedRange<Int64>? = nil) async throws -> Data {
        var headers: [(String, String)] = []
        if let range { headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let response = try await send("GET", key: key, headers: headers, expecting: [200, 206])
        return Data(buffer: response.body)
    }

    /// Copies an object within the bucket, metadata and all, without its
    /// bytes passing through this process (S3 copies up to 5 GB this way).
    public func copy(_ source: String, to key: String) async throws {
        let path = "/" + location.bucket + "/" + location.key(source)
        let response = try await send(
            "PUT",
            key: key,
            headers: [("x-amz-copy-source", SigV4Signer.uriEncode(path, encodingSlash: false))],
            expecting: [200]
        )
        // Like a completion, a copy may answer 200 and put its error in the body.
        if let code = S3XML.values(of: "Code", in: Data(buffer: response.body)).first {
            throw Failure(status: 200, code: code, message: S3XML.values(of: "Message", in: Data(buffer: response.body)).first ?? "")
        }
    }

    /// Nil when there is no such object.
    public func head(_ key: String) async throws -> ObjectInfo? {
        do {
            let response = try await send("HEAD", key: key, expecting: [200])
            return ObjectInfo(headers: response.headers)
        } catch let failure as Failure where failure.status == 404 {
            return nil
        }
    }

    public func delete(_ key: String) async throws {
        _ = try await send("DELETE", key: key, expecting: [200, 204])
    }

    /// Every object whose key starts with `prefix` (under the location's own), keys without the location's prefix.
    public func list(prefix: String) async throws -> [(key: String, byteCount: Int64, modified: Date?)] {
        var found: [(key: String, byteCount: Int64, modified: Date?)] = []
        var token: String?
        let own = location.prefix.isEmpty ? "" : location.prefix + "/"
        repeat {
            var query = [("list-type", "2"), ("prefix", own + prefix)]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", key: nil, query: query.sorted { $0.0 < $1.0 }, expecting: [200])
            let body = Data(buffer: response.body)
            let keys = S3XML.values(of: "Key", in: body)
            let sizes = S3XML.values(of: "Size", in: body)
            let dates = S3XML.values(of: "LastModified", in: body)
            for (index, (key, size)) in zip(keys, sizes).enumerated() {
                let modified = dates.count == keys.count ? Self.date(dates[index]) : nil
                found.append((String(key.dropFirst(own.count)), Int64(size) ?? 0, modified))
            }
            token = S3XML.values(of: "IsTruncated", in: body).first == "true" ? S3XML.values(of: "NextContinuationToken", in: body).first : nil
        } while token != nil
        return found
    }

    /// Puts a file as one object, recording its SHA-256 as metadata (what `media move`
    /// verifies against). A file larger than one part goes up part by part, read
    /// from disk as it is sent (memory: one part), and is aborted if any part fails.
    public func putFile(_ key: String, file: URL, contentType: String, sha256: String) async throws {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let size = Int64(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        let headers = [("Content-Type", contentType), (ObjectInfo.sha256Header, sha256)]
        let partBytes = Self.partBytes
        guard size > partBytes else {
            let data = try handle.readToEnd() ?? Data()
            _ = try await send("PUT", key: key, headers: headers, body: data, expecting: [200])
            return
        }
        var upload = try await startUpload(key, headers: headers)
        do {
            while let part = try handle.read(upToCount: partBytes), !part.isEmpty {
                try await send(part: part, of: &upload)
            }
            try await complete(upload)
        } catch {
            try? await abort(upload)
            throw error
        }
    }

    /// The part size `putFile` sends: past S3's 5 MiB minimum, few enough parts
    /// for a 40 GB file (S3 allows 10,000), small enough to hold one in memory.
    public static var partBytes: Int {
        #if DEBUG
        // A test's small parts, so a short recording is sent in several (`FaultPoint.objectPartSent`).
        if let bytes = ProcessInfo.processInfo.environment["MICROCAST_OBJECT_PART_BYTES"].flatMap(Int.init) { return max(bytes, 64 << 10) }
        #endif
        return 8 << 20
    }

    /// Opens the object (or `range` of it) for reading as it arrives; what it
    /// says of the object, and its bytes. Nil when there is no such object.
    public func open(_ key: String, range: ClosedRange<Int64>? = nil) async throws -> (info: ObjectInfo, body: HTTPClientResponse.Body)? {
        var headers: [(String, String)] = []
        if let range { headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let response = try await execute("GET", key: key, headers: headers)
        let status = Int(response.status.code)
        if status == 404 { return nil }
        guard status == 200 || status == 206 else {
            throw try await failure(status: status, reason: response.status.reasonPhrase, body: response.body.collect(upTo: 1 << 20))
        }
        return (ObjectInfo(headers: response.headers), response.body)
    }

    /// Writes the object to `file` as it arrives (through a temporary name beside it, then a rename).
    public func download(_ key: String, to file: URL) async throws -> ObjectInfo {
        guard let (info, body) = try await open(key) else { throw Failure(status: 404, code: "NoSuchKey", message: key) }
        let temporary = file.deletingLastPathComponent().appendingPathComponent(TemporaryName.make(".\(file.lastPathComponent)", extension: "tmp"))
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            for try await buffer in body { try handle.write(contentsOf: buffer.readableBytesView) }
            guard rename(temporary.path, file.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path]) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        return info
    }

    // MARK: Multipart uploads

    /// A multipart upload begun: its id and the parts sent so far.
    public struct Upload: Sendable, Equatable {
        public var key: String
        public var id: String
        public var parts: [(number: Int, etag: String)] = []

        public static func == (left: Upload, right: Upload) -> Bool {
            left.key == right.key && left.id == right.id && left.parts.map(\.number) == right.parts.map(\.number)
                && left.parts.map(\.etag) == right.parts.map(\.etag)
        }
    }

    /// S3's smallest part, but for the last one.
    public static let minimumPartBytes = 5 << 20

    public func startUpload(_ key: String, contentType: String) async throws -> Upload {
        try await startUpload(key, headers: [("Content-Type", contentType)])
    }

    func startUpload(_ key: String, headers: [(String, String)]) async throws -> Upload {
        let response = try await send("POST", key: key, query: [("uploads", "")], headers: headers, expecting: [200])
        guard let id = S3XML.values(of: "UploadId", in: Data(buffer: response.body)).first else {
            throw Failure(status: 200, code: "NoUploadId", message: "the answer named no upload")
        }
        return Upload(key: key, id: id)
    }

    /// Sends part `upload.parts.count + 1`.
    public func send(part data: Data, of upload: inout Upload) async throws {
        let number = upload.parts.count + 1
        upload.parts.append((number, try await sendPart(data, number: number, of: upload)))
    }

    /// Sends part `number` (from 1) and returns its ETag, for parts sent side by side.
    public func sendPart(_ data: Data, number: Int, of upload: Upload) async throws -> String {
        let response = try await send(
            "PUT",
            key: upload.key,
            query: [("partNumber", String(number)), ("uploadId", upload.id)],
            body: data,
            expecting: [200]
        )
        FaultPoint.objectPartSent.reached()
        return response.headers.first(name: "etag") ?? ""
    }

    public func complete(_ upload: Upload) async throws {
        var xml = "<CompleteMultipartUpload>"
        for part in upload.parts {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(HTML.escape(part.etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let response = try await send(
            "POST",
            key: upload.key,
            query: [("uploadId", upload.id)],
            headers: [("Content-Type", "application/xml")],
            body: Data(xml.utf8),
            expecting: [200]
        )
        // S3 may answer 200 and put its error in the body, once the parts are joined.
        if let code = S3XML.values(of: "Code", in: Data(buffer: response.body)).first {
            throw Failure(status: 200, code: code, message: S3XML.values(of: "Message", in: Data(buffer: response.body)).first ?? "")
        }
    }

    public func abort(_ upload: Upload) async throws {
        _ = try await send("DELETE", key: upload.key, query: [("uploadId", upload.id)], expecting: [204, 200])
    }

    /// Uploads begun and neither completed nor aborted, by key and id: what a cleanup aborts.
    public func unfinishedUploads(prefix: String = "") async throws -> [(key: String, id: String, initiated: Date?)] {
        let own = location.prefix.isEmpty ? "" : location.prefix + "/"
        let query = prefix.isEmpty && own.isEmpty ? [("uploads", "")] : [("prefix", own + prefix), ("uploads", "")]
        let response = try await send("GET", key: nil, query: query, expecting: [200])
        let body = Data(buffer: response.body)
        let keys = S3XML.values(of: "Key", in: body)
        let ids = S3XML.values(of: "UploadId", in: body)
        let started = S3XML.values(of: "Initiated", in: body)
        return keys.indices.filter { $0 < ids.count && keys[$0].hasPrefix(own + prefix) }.map { index in
            (String(keys[index].dropFirst(own.count)), ids[index], started.count == keys.count ? Self.date(started[index]) : nil)
        }
    }

    /// S3's dates in XML: ISO 8601, with or without fractions of a second.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    // MARK: Requests

    /// The request's URL path: the bucket (path style) and the key under the
    /// location's prefix, each segment encoded once.
    func path(for key: String?) -> String {
        var path = location.endpoint.path
        while path.hasSuffix("/") { path.removeLast() }
        if location.pathStyle { path += "/" + SigV4Signer.uriEncode(location.bucket, encodingSlash: true) }
        if let key { path += "/" + SigV4Signer.uriEncode(location.key(key), encodingSlash: false) }
        return path.isEmpty ? "/" : path
    }

    var host: String {
        let name = location.endpoint.host ?? ""
        let host = location.pathStyle ? name : "\(location.bucket).\(name)"
        return location.endpoint.port.map { "\(host):\($0)" } ?? host
    }

    func send(
        _ method: String,
        key: String?,
        query: [(String, String)] = [],
        headers: [(String, String)] = [],
        body: Data? = nil,
        expecting statuses: Set<Int>
    ) async throws -> Answer {
        // S3 asks clients to retry a 500 or 503 ("InternalError", "SlowDown")
        // after a pause; every request here may be sent again (a part or an
        // object is put whole again, a repeated completion is answered alike).
        var attempt = 1
        while true {
            let response = try await execute(method, key: key, query: query, headers: headers, body: body)
            let collected = try await response.body.collect(upTo: Self.largestRead)
            let status = Int(response.status.code)
            if statuses.contains(status) { return Answer(headers: response.headers, body: collected) }
            guard Self.retriedStatuses.contains(status), attempt < Self.attempts else {
                throw failure(status: status, reason: response.status.reasonPhrase, body: collected)
            }
            try await Task.sleep(for: .milliseconds(100 << (2 * attempt)))
            attempt += 1
        }
    }

    static let retriedStatuses: Set<Int> = [500, 502, 503, 504]
    /// Tries of one request: the pauses between them are 0.4, 1.6 and 6.4 seconds.
    static let attempts = 4

    /// S3's error answer as a `Failure`, with the code and message from its XML.
    func failure(status: Int, reason: String, body: ByteBuffer) -> Failure {
        let data = Data(buffer: body)
        return Failure(
            status: status,
            code: S3XML.values(of: "Code", in: data).first ?? reason,
            message: S3XML.values(of: "Message", in: data).first ?? ""
        )
    }

    /// Signs and sends one request, leaving its answer's body to the caller.
    func execute(
        _ method: String,
        key: String?,
        query: [(String, String)] = [],
        headers: [(String, String)] = [],
        body: Data? = nil
    ) async throws -> HTTPClientResponse {
        let payloadHash = body.map { SigV4Signer.hex(SHA256.hash(data: $0)) } ?? SigV4Signer.emptyPayloadHash
        let path = path(for: key)
        let signable = SigV4Signer.Request(method: method, path: path, query: query, headers: headers + [("Host", host)], payloadHash: payloadHash)
        let signed = signer.headers(for: signable, at: Date())
        let queryText = query.map {
            SigV4Signer.uriEncode($0.0, encodingSlash: true) + ($0.1.isEmpty ? "" : "=" + SigV4Signer.uriEncode($0.1, encodingSlash: true))
        }
        .joined(separator: "&")
        let scheme = location.endpoint.scheme ?? "https"
        var request = HTTPClientRequest(url: "\(scheme)://\(host)\(path)" + (queryText.isEmpty ? "" : "?" + queryText))
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers + signed { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(data: body))
        }
        return try await http.execute(request, timeout: timeout)
    }

    /// An answer read whole (S3's own are small; an object read through `get` is at most `largestRead`).
    struct Answer {
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// The most `get` reads at once: larger objects are read by range.
    public static let largestRead = 16 << 20
}

/// The few values S3's XML answers carry that the client reads.
enum S3XML {
    /// The text of every element named `name`, in order.
    static func values(of name: String, in data: Data) -> [String] {
        final class Collector: NSObject, XMLParserDelegate {
            let name: String
            var values: [String] = []
            var current: String?
            init(name: String) { self.name = name }
            func parser(
                _ parser: XMLParser,
                didStartElement element: String,
                namespaceURI: String?,
                qualifiedName: String?,
                attributes: [String: String]
            ) {
                if element == name { current = "" }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { current? += string }
            func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
                if element == name, let value = current { values.append(value) }
                if element == name { current = nil }
            }
        }
        guard !data.isEmpty else { return [] }
        let parser = XMLParser(data: data)
        let collector = Collector(name: name)
        parser.delegate = collector
        parser.shouldResolveExternalEntities = false
        _ = parser.parse()
        return collector.values
    }
}
