import Foundation
import Hummingbird
import Logging
import MediaKit
import MicrocastCore
import NIOPosix

/// The Micropub media endpoint: receive, check, store, answer 201, queue the work.
struct MediaEndpointController: Sendable {
    let library: MediaLibrary
    let media: any MediaRepository
    let authenticator: Authenticator
    let urls: SiteURLs
    let limits: MediaLimits
    let threadPool: NIOThreadPool

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.post("/micropub/media") { request, context in try await upload(request, context: context) }
    }

    func upload(_ request: Request, context: some RequestContext) async throws -> Response {
        // The header token is checked before the body is read, so a bad token
        // costs the client nothing and us no disk.
        let headerToken = Authenticator.bearer(request.headers[.authorization])
        if headerToken != nil {
            _ = try await authenticator.authorize(request, bodyToken: nil, anyOf: ["media", "create"])
        }
        guard let boundary = MultipartUpload.boundary(contentType: request.headers[.contentType]) else {
            throw MicropubError.invalidRequest("send the file as multipart/form-data in a part named \"file\"")
        }
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > limits.maxUploadBytes + 64 * 1024 {
            throw MicropubError.tooLarge("the upload is larger than the \(limits.maxUploadBytes / 1_048_576) MB limit")
        }
        let upload = try await MultipartUpload.receive(
            body: request.body, boundary: boundary, fileField: "file",
            destination: library.newUploadPath(), maxBytes: limits.maxUploadBytes)
        do {
            if headerToken == nil {
                _ = try await authenticator.authorize(request, bodyToken: upload.fields["access_token"], anyOf: ["media", "create"])
            }
            let item = try await adopt(upload)
            context.logger.info("upload stored", metadata: ["media": "\(item.id)", "type": "\(item.mimeType)", "bytes": "\(item.byteCount)"])
            return Response(status: .created, headers: [.location: urls.original(fileName: item.fileName)])
        } catch {
            try? FileManager.default.removeItem(at: upload.temporaryFile)
            throw error
        }
    }

    /// Inspects the received file off the event loop, then moves it into the
    /// library and records it (with its processing job) in one step.
    func adopt(_ upload: ReceivedUpload) async throws -> MediaItem {
        guard upload.byteCount > 0 else { throw MicropubError.invalidRequest("the file is empty") }
        let limits = self.limits
        let path = upload.temporaryFile.path
        let result: Result<MediaProbe, MediaError> = try await threadPool.runIfActive {
            Result { () throws(MediaError) in try Inspector.inspect(path: path, limits: limits) }
        }
        let probe: MediaProbe
        switch result {
        case .success(let value): probe = value
        case .failure(let error): throw MicropubError(error)
        }
        guard let format = MediaFormat.withMIMEType(probe.mimeType) ?? FormatSniffer.sniffFile(path) else {
            throw MicropubError.unsupportedMediaType("not an audio, video or photo format Microcast accepts")
        }
        let item = MediaItem(
            id: MediaIdentifier.make(), kind: probe.kind.rawValue, mimeType: probe.mimeType,
            fileExtension: format.fileExtension, byteCount: upload.byteCount, sha256: upload.sha256,
            originalName: upload.clientFileName, probe: probe.jsonString(), alt: upload.fields["alt"],
            width: probe.width, height: probe.height, duration: probe.duration,
            state: probe.kind == .photo ? .processing : .ready)
        try library.adoptOriginal(from: upload.temporaryFile, as: item.fileName)
        let job = probe.kind == .photo ? JobRequest(kind: PhotoJob.kind, mediaId: item.id) : nil
        do {
            try await media.add(item, processing: job)
        } catch {
            try? FileManager.default.removeItem(at: library.original(item.fileName))
            throw error
        }
        return item
    }
}

extension FormatSniffer {
    static func sniffFile(_ path: String) -> MediaFormat? {
        (try? Prober.sniff(path: path)) ?? nil
    }
}
