import Foundation
import Hummingbird
import MediaModel
import MicrocastApp
import MicrocastCore

/// Serves uploads (`/media/ID.EXT`, their public copy: a photo without its
/// location) and renditions (`/media/r/NAME`).
struct MediaFileController: Sendable {
    let intake: MediaIntake
    let media: any MediaRepository
    /// Counts episode downloads (MP3 and M4A renditions) as they are served.
    let listeners: ListenerCounter
    let trustedProxies: Set<String>
    /// Where the stats prefix sends listeners (`StatsPrefix`).
    let settings: any SettingsRepository
    let urls: SiteURLs
    /// `--media-base-url`: bucket objects a CDN serves; media URLs redirect there.
    var mediaBase: String?
    let metrics: ServiceMetrics
    var library: MediaLibrary { intake.library }
    var responder: FileResponder { FileResponder(metrics: metrics) }

    func addRoutes(to router: some RouterMethods<AppRequestContext>) {
        for method in [HTTPRequest.Method.get, .head] {
            router.on("/media/{name}", method: method) { request, context in
                try await original(context.parameters.require("name"), request: request, context: context)
            }
            router.on("/media/r/{name}", method: method) { request, context in
                try await rendition(context.parameters.require("name"), request: request, context: context)
            }
            router.on("/dl/media/r/{name}", method: method) { request, context in
                try await prefixed("/media/r/" + context.parameters.require("name"), request: request, context: context)
            }
            router.on("/dl/media/{name}", method: method) { request, context in
                try await prefixed("/media/" + context.parameters.require("name"), request: request, context: context)
            }
        }
    }

    func original(_ name: String, request: Request, context: AppRequestContext) async throws -> Response {
        guard let dot = name.firstIndex(of: "."), case let id = String(name[..<dot]), MediaIdentifier.isValid(id),
            let item = try await media.media(id: id), item.fileName == name
        else { throw HTTPError(.notFound) }
        if let redirect = redirect(to: intake.servedKey(for: item), mediaId: item.kind == .audio ? item.id : nil, request: request, context: context)
        {
            return await redirect()
        }
        var file = FileResponder.File(
            source: try source(.publicCopy(name), item: item),
            contentType: item.mimeType,
            contentHash: publicHash(item),
            cacheControl: "public, max-age=86400"
        )
        // An episode's own upload is its enclosure when no rendition was made: counted like one.
        if item.kind == .audio { file.onServed = counting(mediaId: item.id, file: name, request: request, context: context) }
        return try await responder.respond(file, request: request, context: context)
    }

    /// Where `key`'s bytes are served from: the site's bucket, or this folder.
    func source(_ key: MediaKey, item: MediaItem?) throws -> FileResponder.File.Source {
        if let bucket = library.store as? BucketMediaStore { return .object(item.map(intake.servedKey(for:)) ?? key, in: bucket) }
        // An upload from before public copies gets its own from a job: until then, not the original.
        if let item {
            guard let served = intake.madePublicFile(for: item) else {
                throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "10"], message: "this file is being prepared; try again shortly")
            }
            return .path(served.path)
        }
        return .path(library.url(key).path)
    }

    /// With `--media-base-url` and the site's media in a bucket: the answer
    /// that sends the client to `key` at the media base, counting an
    /// episode's (`mediaId`) download as the stats prefix does (a GET that
    /// is not a probe). Originals are never public, so an upload served from
    /// its original is answered here instead (nil).
    func redirect(
        to key: MediaKey,
        mediaId: String?,
        request: Request,
        context: AppRequestContext
    ) -> (@Sendable () async -> Response)? {
        guard var base = mediaBase, library.keepsFilesElsewhere, key.folder != .originals else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        let target = base + "/" + key.folder.rawValue + "/" + SigV4Signer.uriEncode(key.name, encodingSlash: true)
        let listener = listenerOf(request, context)
        let counted = request.method == .get && !Self.isProbe(rangeHeader: request.headers[.range]) ? mediaId : nil
        let listeners = listeners
        return {
            if let counted { await listeners.redirected(mediaId: counted, file: key.name, address: listener.address, userAgent: listener.userAgent) }
            return Response(status: .found, headers: [.location: target, .cacheControl: "no-store"])
        }
    }

    /// The hook that counts what an answer carries as a download of the episode.
    func counting(
        mediaId: String,
        file: String,
        request: Request,
        context: AppRequestContext
    ) -> @Sendable (ClosedRange<Int64>, Int64) async -> Void {
        let listener = listenerOf(request, context)
        let listeners = listeners
        return { bytes, size in
            await listeners.served(
                mediaId: mediaId,
                file: file,
                fileSize: size,
                bytes: bytes,
                address: listener.address,
                userAgent: listener.userAgent
            )
        }
    }

    /// The public copy's bytes differ from the original's when the location was removed;
    /// the ETag must change with them, so it is derived from both.
    func publicHash(_ item: MediaItem) -> String {
        guard intake.publicCopyIsMade(for: item) else { return item.sha256 }
        return "\(item.sha256.prefix(16))-p"
    }

    func rendition(_ name: String, request: Request, context: AppRequestContext) async throws -> Response {
        // STEM.HASH.EXT, written by MediaLibrary.writeRendition; nothing else is served from here.
        let parts = name.split(separator: ".")
        guard parts.count == 3, !name.hasPrefix("."), let type = MediaFormat.renditionContentType(fileExtension: String(parts[2])) else {
            throw HTTPError(.notFound)
        }
        let episode = type.hasPrefix("audio/") ? Self.mediaId(ofRendition: name) : nil
        if let redirect = redirect(to: .rendition(name), mediaId: episode, request: request, context: context) {
            return await redirect()
        }
        var file = FileResponder.File(
            source: try source(.rendition(name), item: nil),
            contentType: type,
            contentHash: String(parts[1]),
            cacheControl: "public, max-age=31536000, immutable"
        )
        if type.hasPrefix("audio/"), let mediaId = Self.mediaId(ofRendition: name) {
            file.onServed = counting(mediaId: mediaId, file: name, request: request, context: context)
        }
        return try await responder.respond(file, request: request, context: context)
    }

    /// The stats prefix (`StatsPrefix`): for an episode whose enclosure goes
    /// through it (published while the prefix was on), counts the request as
    /// a download, unless it is a HEAD or asks for a small range (a player's
    /// probe; the bytes are the CDN's to send, so the request stands for
    /// them), then sends the listener to the file. Anything else is not found.
    func prefixed(_ path: String, request: Request, context: AppRequestContext) async throws -> Response {
        guard let prefix = StatsPrefix(settings: try await settings.settings()) else { throw HTTPError(.notFound) }
        let name = String(path.split(separator: "/").last ?? "")
        let mediaId =
            path.hasPrefix("/media/r/")
            ? Self.mediaId(ofRendition: name) : name.split(separator: ".").first.map(String.init).flatMap { MediaIdentifier.isValid($0) ? $0 : nil }
        guard let mediaId, let episode = await listeners.episode(of: mediaId), prefix.encloses(published: episode.published) else {
            throw HTTPError(.notFound)
        }
        if request.method == .get, !Self.isProbe(rangeHeader: request.headers[.range]) {
            let listener = listenerOf(request, context)
            await listeners.redirected(mediaId: mediaId, file: name, address: listener.address, userAgent: listener.userAgent)
        }
        return Response(status: .found, headers: [.location: prefix.target(path: path, site: urls), .cacheControl: "no-store"])
    }

    /// A `Range` that asks for fewer bytes than could matter (`bytes=0-1`,
    /// `bytes=0-0`, any closed range under `DownloadTally.probeBytes`).
    static func isProbe(rangeHeader: String?) -> Bool {
        guard let rangeHeader else { return false }
        guard case .partial(let bytes) = ByteRange.answer(rangeHeader: rangeHeader, size: Int64.max) else { return false }
        return bytes.upperBound - bytes.lowerBound + 1 < DownloadTally.probeBytes
    }

    /// Renditions are named `MEDIAID-ROLE….HASH.EXT`.
    static func mediaId(ofRendition name: String) -> String? {
        guard let dash = name.firstIndex(of: "-") else { return nil }
        let id = String(name[..<dash])
        return MediaIdentifier.isValid(id) ? id : nil
    }

    /// Who is asking, as the download counter keys it (behind a trusted proxy, the address it names).
    func listenerOf(_ request: Request, _ context: AppRequestContext) -> (address: String, userAgent: String) {
        let address = ClientAddress.resolve(
            remote: context.remoteAddress?.ipAddress ?? "unknown",
            forwardedFor: request.headers[.xForwardedFor],
            forwarded: request.headers[.forwarded],
            trustedProxies: trustedProxies
        )
        return (address, request.headers[.userAgent] ?? "")
    }
}
