import Foundation
import Hummingbird
import Logging
import MediaKit
import MediaModel
import MicrocastApp
import MicrocastCore

/// The Micropub media endpoint: uploads (201 with the file's URL at once,
/// processing queued), and the extensions clients use to list, describe and
/// delete uploads.
struct MediaEndpointController: Sendable {
    let intake: MediaIntake
    let authenticator: Authenticator
    let urls: SiteURLs
    let metrics: ServiceMetrics

    var media: any MediaRepository { intake.media }
    var limits: MediaLimits { intake.limits }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.post("/micropub/media") { request, context in try await post(request, context: context) }
        router.get("/micropub/media") { request, _ in try await query(request) }
    }

    func post(_ request: Request, context: some RequestContext) async throws -> Response {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if let boundary = MultipartUpload.boundary(contentType: request.headers[.contentType]) {
            return try await metrics.countingUpload { try await upload(request, boundary: boundary, context: context) }
        }
        let fields: [String: String]
        if contentType.hasPrefix("application/json") {
            let body = try await request.body.collect(upTo: MicropubController.maxBodyBytes)
            guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(buffer: body)) else {
                throw MicropubError.invalidRequest("the body is not a JSON object")
            }
            fields = object.compactMapValues { $0.stringValue ?? ($0 == .null ? "" : nil) }
        } else if contentType.hasPrefix("application/x-www-form-urlencoded") {
            let body = try await request.body.collect(upTo: MicropubController.maxBodyBytes)
            fields = Dictionary(FormEncoding.decode(String(buffer: body)).map { ($0.name, $0.value) }) { first, _ in first }
        } else {
            throw MicropubError.unsupportedMediaType("upload the file as multipart/form-data in a part named \"file\"")
        }
        return try await action(fields, request: request)
    }

    func upload(_ request: Request, boundary: String, context: some RequestContext) async throws -> Response {
        // The header token is checked before the body is read, so a bad token
        // costs the client nothing and us no disk.
        let hasHeaderCredential = authenticator.hasHeaderCredential(request)
        if hasHeaderCredential {
            _ = try await authenticator.authorize(request, bodyToken: nil, anyOf: [.media, .create])
        }
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > limits.maxUploadBytes + 64 * 1024 {
            throw MicropubError.tooLarge("the upload is larger than the \(limits.maxUploadBytes / 1_048_576) MB limit")
        }
        let authenticator = self.authenticator
        // Without a header token, the body's access_token must come before the file.
        let gate: MultipartUpload.FileGate = { form in
            _ = try await authenticator.authorize(token: form.field("access_token"), anyOf: [.media, .create])
        }
        let form = try await MultipartUpload.receive(
            body: request.body,
            boundary: boundary,
            fileFields: ["file"],
            library: intake.library,
            maxBytes: limits.maxUploadBytes,
            beforeFiles: hasHeaderCredential ? nil : gate,
            streamsOriginals: true
        )
        do {
            if !hasHeaderCredential || form.field("access_token") != nil {
                _ = try await authenticator.authorize(request, bodyToken: form.field("access_token"), anyOf: [.media, .create])
            }
            guard let file = form.files.first else {
                throw MicropubError.invalidRequest("the request has no file part named \"file\"")
            }
            guard form.files.count == 1 else { throw MicropubError.invalidRequest("send one file per upload") }
            let item = try await intake.adopt(file, alt: form.field("alt"))
            context.logger.info(
                "upload stored",
                metadata: ["media": "\(item.id)", "type": "\(item.mimeType)", "bytes": "\(item.byteCount)"]
            )
            return Response(status: .created, headers: [.location: urls.original(fileName: item.fileName)])
        } catch {
            form.discard()
            throw error
        }
    }

    /// `action=update&url=…&alt=…` and `action=delete&url=…`.
    func action(_ fields: [String: String], request: Request) async throws -> Response {
        guard let action = fields["action"] else {
            throw MicropubError.invalidRequest("upload the file as multipart/form-data, or send action=update or action=delete")
        }
        guard let url = fields["url"], let id = urls.mediaId(fromURL: url), let item = try await media.media(id: id) else {
            throw MicropubError.invalidRequest("\(fields["url"] ?? "the url") is not an upload on this site")
        }
        switch action {
        case "update":
            _ = try await authenticator.authorize(request, bodyToken: fields["access_token"], anyOf: [.media, .create, .update])
            let alt = fields["alt"].flatMap { $0.isEmpty ? nil : $0 }
            try await media.setAlt(mediaId: item.id, alt: alt)
            return Response(status: .noContent)
        case "delete":
            _ = try await authenticator.authorize(request, bodyToken: fields["access_token"], anyOf: [.media, .delete])
            try await intake.delete(item, urls: urls)
            return Response(status: .noContent)
        default:
            throw MicropubError.invalidRequest("unknown action \"\(action)\"")
        }
    }

    /// `q=config`, `q=source` (uploads newest first, with `limit` and `offset`) and `q=last`.
    func query(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        _ = try await authenticator.authorizeQuery(request)
        switch parameters["q"].map(String.init) {
        case "config":
            return JSONResponse.ok(.object(["q": .array([.string("source"), .string("last")])]))
        case "source":
            if let url = parameters["url"].map(String.init) {
                guard let id = urls.mediaId(fromURL: url), let item = try await media.media(id: id) else {
                    throw MicropubError.invalidRequest("\(url) is not an upload on this site")
                }
                return JSONResponse.ok(try await describe([item])[0])
            }
            let page = Paging(limit: parameters["limit"], offset: parameters["offset"])
            let items = try await media.recentMedia(limit: page.limit, offset: page.offset)
            return JSONResponse.ok(.object(["items": .array(try await describe(items))]))
        case "last":
            guard let item = try await media.recentMedia(limit: 1, offset: 0).first else {
                return JSONResponse.ok(.object([:]))
            }
            return JSONResponse.ok(try await describe([item])[0])
        default:
            throw MicropubError.invalidRequest("the media endpoint answers q=config, q=source and q=last")
        }
    }

    func describe(_ items: [MediaItem]) async throws -> [JSONValue] {
        let renditions = try await media.renditions(forMedia: items.map(\.id))
        let formatter = ISO8601DateFormatter()
        return items.map { item in
            var object: [String: JSONValue] = [
                "url": .string(urls.original(fileName: item.fileName)),
                "published": .string(formatter.string(from: item.createdAt)),
                "mime_type": .string(item.mimeType),
                "state": .string(item.state.rawValue),
            ]
            if let alt = item.alt { object["alt"] = .string(alt) }
            if let failure = item.failure { object["error"] = .string(failure) }
            if let width = item.width, let height = item.height {
                object["width"] = .integer(Int64(width))
                object["height"] = .integer(Int64(height))
            }
            if let duration = item.duration { object["duration"] = .number(duration) }
            let sizes = (renditions[item.id]?.all ?? []).map { rendition -> JSONValue in
                .object([
                    "url": .string(urls.rendition(fileName: rendition.fileName)),
                    "width": .integer(Int64(rendition.width)),
                    "height": .integer(Int64(rendition.height)),
                    "mime_type": .string(rendition.mimeType),
                ])
            }
            if !sizes.isEmpty { object["sizes"] = .array(sizes) }
            return .object(object)
        }
    }
}
