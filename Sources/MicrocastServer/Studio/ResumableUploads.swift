import Foundation
import HTTPTypes
import Hummingbird
import MediaModel
import MicrocastCore
import NIOCore
import Synchronization

/// Uploads that survive a dropped connection, by the tus 1.0 protocol (core,
/// creation, termination, expiration; https://tus.io/protocols/resumable-upload):
/// `POST /uploads` with `Upload-Length` creates one, `PATCH` appends at the
/// `Upload-Offset` the server holds, `HEAD` says where to continue, `DELETE`
/// abandons it. A complete upload goes through the same inspection and
/// intake as the media endpoint, and its public URL comes back in
/// `Upload-Media-URL`. Abandoned uploads expire after 24 hours.
///
/// The studio uses it for every file; any Micropub client with a `media` or
/// `create` token may too.
struct ResumableUploadController: Sendable {
    let uploads: ResumableUploads
    let intake: MediaIntake
    let authenticator: Authenticator
    let urls: SiteURLs
    let maxBytes: Int64

    static let version = "1.0.0"
    static let extensions = "creation,termination,expiration"

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.on("/uploads", method: .options) { _, _ in options() }
        router.post("/uploads") { request, _ in try await create(request) }
        router.head("/uploads/{id}") { request, context in try await status(request, id: context.parameters.require("id")) }
        router.patch("/uploads/{id}") { request, context in try await append(request, id: context.parameters.require("id")) }
        router.delete("/uploads/{id}") { request, context in try await terminate(request, id: context.parameters.require("id")) }
    }

    func options() -> Response {
        Response(
            status: .noContent,
            headers: [
                .tusResumable: Self.version, .tusVersion: Self.version, .tusExtension: Self.extensions, .tusMaxSize: String(maxBytes),
            ]
        )
    }

    /// tus answers carry their version; a request in another version is refused.
    func checkVersion(_ request: Request) throws {
        guard request.headers[.tusResumable] == Self.version else {
            throw TusError(.preconditionFailed, "send Tus-Resumable: \(Self.version)")
        }
    }

    func authorize(_ request: Request) async throws {
        _ = try await authenticator.authorize(request, bodyToken: nil, anyOf: [.media, .create])
    }

    func create(_ request: Request) async throws -> Response {
        try checkVersion(request)
        try await authorize(request)
        guard let length = request.headers[.uploadLength].flatMap(Int64.init), length >= 0 else {
            throw TusError(.badRequest, "send the file's size in Upload-Length")
        }
        guard length <= maxBytes else {
            throw TusError(.contentTooLarge, "the upload is larger than the \(maxBytes / 1_048_576) MB limit")
        }
        let upload = try uploads.create(length: length, metadata: TusMetadata.parse(request.headers[.uploadMetadata] ?? ""))
        return Response(
            status: .created,
            headers: [
                .tusResumable: Self.version, .location: urls.base + "/uploads/" + upload.id,
                .uploadExpires: HTTPDate.format(upload.expires),
            ]
        )
    }

    func status(_ request: Request, id: String) async throws -> Response {
        try checkVersion(request)
        try await authorize(request)
        guard let upload = uploads.upload(id) else { throw TusError(.notFound, "there is no such upload (or it expired)") }
        var headers: HTTPFields = [
            .tusResumable: Self.version, .uploadOffset: String(upload.offset), .uploadLength: String(upload.length),
            .cacheControl: "no-store", .uploadExpires: HTTPDate.format(upload.expires),
        ]
        if let media = upload.mediaURL { headers[.uploadMediaURL] = media }
        return Response(status: .ok, headers: headers)
    }

    func append(_ request: Request, id: String) async throws -> Response {
        try checkVersion(request)
        try await authorize(request)
        guard request.headers[.contentType]?.lowercased() == "application/offset+octet-stream" else {
            throw TusError(.unsupportedMediaType, "send the bytes as application/offset+octet-stream")
        }
        guard let offset = request.headers[.uploadOffset].flatMap(Int64.init) else {
            throw TusError(.badRequest, "send the offset the bytes start at in Upload-Offset")
        }
        let written = try await uploads.append(id, at: offset, body: request.body)
        var headers: HTTPFields = [.tusResumable: Self.version, .uploadOffset: String(written.offset)]
        if written.offset == written.length && written.mediaURL == nil {
            headers[.uploadMediaURL] = try await finish(written)
        } else if let media = written.mediaURL {
            headers[.uploadMediaURL] = media
        }
        return Response(status: .noContent, headers: headers)
    }

    /// A complete upload becomes a media item exactly as a media-endpoint upload does.
    func finish(_ upload: ResumableUploads.Upload) async throws -> String {
        let file = try uploads.takeFile(upload.id)
        let sha256 = try await intake.threadPool.runIfActive { try FileDigest.sha256(file).hexString }
        do {
            let item = try await intake.adopt(
                ReceivedFile(
                    field: "file",
                    temporaryFile: file,
                    byteCount: upload.length,
                    sha256: sha256,
                    clientFileName: upload.metadata["filename"]
                ),
                alt: upload.metadata["alt"]
            )
            let url = urls.original(fileName: item.fileName)
            try uploads.record(upload.id, mediaURL: url)
            return url
        } catch {
            try? FileManager.default.removeItem(at: file)
            uploads.remove(upload.id)
            throw error
        }
    }

    func terminate(_ request: Request, id: String) async throws -> Response {
        try checkVersion(request)
        try await authorize(request)
        guard uploads.upload(id) != nil else { throw TusError(.notFound, "there is no such upload (or it expired)") }
        uploads.remove(id)
        return Response(status: .noContent, headers: [.tusResumable: Self.version])
    }
}

/// Uploads in progress on disk: `DATA/resumable/ID.part` holds the bytes so
/// far (its size is the offset) and `ID.json` what the upload is. Survives
/// restarts; a file is appended to by one request at a time.
struct ResumableUploads: Sendable {
    let folder: URL
    /// Where a complete file moves before intake: the library's uploads folder (same disk, so a rename).
    let uploadsFolder: URL
    static let lifetime: TimeInterval = 24 * 3600
    /// Ids a PATCH is writing now.
    private let busy = Busy()

    /// A set behind a lock, shared by every copy of the store.
    final class Busy: Sendable {
        private let ids = Mutex<Set<String>>([])
        func take(_ id: String) -> Bool { ids.withLock { $0.insert(id).inserted } }
        func give(_ id: String) { _ = ids.withLock { $0.remove(id) } }
    }

    init(folder: URL, uploadsFolder: URL) throws {
        self.folder = folder
        self.uploadsFolder = uploadsFolder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// One upload's record.
    struct Upload: Codable, Sendable {
        var id: String
        var length: Int64
        var metadata: [String: String]
        var created: Date
        /// The public URL of the media item, once complete and taken in.
        var mediaURL: String?
        var offset: Int64 = 0

        var expires: Date { created.addingTimeInterval(ResumableUploads.lifetime) }
        enum CodingKeys: String, CodingKey { case id, length, metadata, created, mediaURL }
    }

    func part(_ id: String) -> URL { folder.appendingPathComponent("\(id).part") }
    func recordFile(_ id: String) -> URL { folder.appendingPathComponent("\(id).json") }

    func create(length: Int64, metadata: [String: String]) throws -> Upload {
        sweep()
        let upload = Upload(id: MediaIdentifier.make(), length: length, metadata: metadata, created: Date())
        guard FileManager.default.createFile(atPath: part(upload.id).path, contents: nil) else {
            throw TusError(.insufficientStorage, "the upload cannot be stored")
        }
        try write(upload)
        return upload
    }

    /// The upload with this id (its offset from the file's size), or nil if unknown or expired.
    func upload(_ id: String) -> Upload? {
        guard MediaIdentifier.isValid(id), let data = try? Data(contentsOf: recordFile(id)),
            var upload = try? JSONDecoder().decode(Upload.self, from: data)
        else { return nil }
        if upload.expires < Date() {
            remove(id)
            return nil
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: part(id).path)[.size] as? NSNumber)?.int64Value
        upload.offset = upload.mediaURL != nil ? upload.length : (size ?? 0)
        return upload
    }

    /// Appends the body at `offset`, which must be where the file ends now.
    /// Every chunk is written as it arrives, so a connection that drops keeps
    /// what it sent: the next `HEAD` says where to go on.
    func append(_ id: String, at offset: Int64, body: RequestBody) async throws -> Upload {
        guard var upload = upload(id) else { throw TusError(.notFound, "there is no such upload (or it expired)") }
        guard offset == upload.offset else {
            throw TusError(.conflict, "the upload holds \(upload.offset) bytes; continue from Upload-Offset: \(upload.offset)")
        }
        guard busy.take(id) else { throw TusError(.locked, "another request is writing this upload") }
        defer { busy.give(id) }
        guard let handle = FileHandle(forWritingAtPath: part(id).path) else { throw TusError(.notFound, "the upload's file is gone") }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        var position = offset
        do {
            for try await chunk in body {
                guard position + Int64(chunk.readableBytes) <= upload.length else {
                    throw TusError(.contentTooLarge, "the bytes sent run past the Upload-Length of \(upload.length)")
                }
                try chunk.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
                position += Int64(chunk.readableBytes)
            }
        } catch {
            // What arrived is kept; the client resumes from it.
            try? handle.synchronize()
            throw error
        }
        upload.offset = position
        return upload
    }

    /// Moves a complete upload's file to the library's uploads folder, for intake.
    func takeFile(_ id: String) throws -> URL {
        let destination = uploadsFolder.appendingPathComponent(TemporaryName.make(id, extension: "part"))
        try FileManager.default.moveItem(at: part(id), to: destination)
        return destination
    }

    func record(_ id: String, mediaURL: String) throws {
        guard var upload = upload(id) else { return }
        upload.mediaURL = mediaURL
        try write(upload)
    }

    func remove(_ id: String) {
        try? FileManager.default.removeItem(at: part(id))
        try? FileManager.default.removeItem(at: recordFile(id))
    }

    private func write(_ upload: Upload) throws {
        let temporary = folder.appendingPathComponent(TemporaryName.make(".\(upload.id)", extension: "tmp"))
        try JSONEncoder().encode(upload).write(to: temporary)
        guard rename(temporary.path, recordFile(upload.id).path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw TusError(.insufficientStorage, "the upload cannot be recorded")
        }
    }

    /// Removes uploads that expired (abandoned a day ago).
    func sweep(now: Date = Date()) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasSuffix(".json") {
            let id = String(name.dropLast(5))
            guard let data = try? Data(contentsOf: recordFile(id)), let upload = try? JSONDecoder().decode(Upload.self, from: data),
                upload.expires < now
            else { continue }
            remove(id)
        }
    }
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs.
enum TusMetadata {
    static func parse(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in header.split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            guard let key = parts.first, !key.isEmpty, result.count < 32 else { continue }
            let value = parts.count > 1 ? Data(base64Encoded: String(parts[1])).map { String(decoding: $0, as: UTF8.self) } : ""
            result[String(key)] = value.map { String($0.prefix(1024)) }
        }
        return result
    }
}

/// A tus error: the status the protocol gives it, a JSON body saying why.
struct TusError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let description: String

    init(_ status: HTTPResponse.Status, _ description: String) {
        self.status = status
        self.description = description
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder.sorted.encode(["error": "invalid_request", "error_description": description])
        return Response(
            status: status,
            headers: [
                .contentType: "application/json", .tusResumable: ResumableUploadController.version,
                .tusVersion: ResumableUploadController.version,
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

extension HTTPResponse.Status {
    static let locked = HTTPResponse.Status(code: 423, reasonPhrase: "Locked")
    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
}
