import Foundation
import HTTPTypes
import Hummingbird
import MediaModel
import MicrocastApp
import MicrocastCore
import NIOCore

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
    let metrics: ServiceMetrics

    static let version = "1.0.0"
    static let extensions = "creation,termination,expiration"

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.on("/uploads", method: .options) { _, _ in options() }
        router.post("/uploads") { request, _ in try await create(request) }
        router.head("/uploads/{id}") { request, context in try await status(request, id: context.parameters.require("id")) }
        router.patch("/uploads/{id}") { request, context in
            try await metrics.countingUpload { try await append(request, id: context.parameters.require("id")) }
        }
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

    /// Who is asking: the owner key of their grant or studio session.
    func authorize(_ request: Request) async throws -> String {
        UploadOwner.of(try await authenticator.authorize(request, bodyToken: nil, anyOf: [.media, .create]))
    }

    func create(_ request: Request) async throws -> Response {
        try checkVersion(request)
        let owner = try await authorize(request)
        guard let length = request.headers[.uploadLength].flatMap(Int64.init), length >= 0 else {
            throw TusError(.badRequest, "send the file's size in Upload-Length")
        }
        guard length <= maxBytes else {
            throw TusError(.contentTooLarge, "the upload is larger than the \(maxBytes / 1_048_576) MB limit")
        }
        let upload = try await uploads.create(length: length, metadata: TusMetadata.parse(request.headers[.uploadMetadata] ?? ""), owner: owner)
        return Response(
            status: .created,
            headers: [
                .tusResumable: Self.version, .location: urls.base + "/uploads/" + upload.id,
                .uploadExpires: HTTPDate.format(upload.expires(after: uploads.limits.lifetime)),
            ]
        )
    }

    func status(_ request: Request, id: String) async throws -> Response {
        try checkVersion(request)
        let owner = try await authorize(request)
        guard let upload = await uploads.upload(id, owner: owner) else { throw TusError(.notFound, "there is no such upload (or it expired)") }
        var headers: HTTPFields = [
            .tusResumable: Self.version, .uploadOffset: String(upload.offset), .uploadLength: String(upload.length),
            .cacheControl: "no-store", .uploadExpires: HTTPDate.format(upload.expires(after: uploads.limits.lifetime)),
        ]
        if let media = upload.mediaURL { headers[.uploadMediaURL] = media }
        return Response(status: .ok, headers: headers)
    }

    func append(_ request: Request, id: String) async throws -> Response {
        try checkVersion(request)
        let owner = try await authorize(request)
        guard request.headers[.contentType]?.lowercased() == "application/offset+octet-stream" else {
            throw TusError(.unsupportedMediaType, "send the bytes as application/offset+octet-stream")
        }
        guard let offset = request.headers[.uploadOffset].flatMap(Int64.init) else {
            throw TusError(.badRequest, "send the offset the bytes start at in Upload-Offset")
        }
        let written = try await uploads.append(id, at: offset, owner: owner, body: request.body)
        var headers: HTTPFields = [.tusResumable: Self.version, .uploadOffset: String(written.offset)]
        if written.offset == written.length {
            headers[.uploadMediaURL] = try await finish(written)
        }
        return Response(status: .noContent, headers: headers)
    }

    /// A complete upload becomes a media item exactly as a media-endpoint upload does.
    func finish(_ upload: ResumableUploads.Upload) async throws -> String {
        let file = try await uploads.takeFile(upload)
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
            try await uploads.record(upload.id, mediaURL: url)
            return url
        } catch {
            try? FileManager.default.removeItem(at: file)
            await uploads.remove(upload.id)
            throw error
        }
    }

    func terminate(_ request: Request, id: String) async throws -> Response {
        try checkVersion(request)
        let owner = try await authorize(request)
        guard await uploads.upload(id, owner: owner) != nil else { throw TusError(.notFound, "there is no such upload (or it expired)") }
        await uploads.remove(id)
        return Response(status: .noContent, headers: [.tusResumable: Self.version])
    }
}
