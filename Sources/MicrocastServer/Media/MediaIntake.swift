import Foundation
import MediaKit
import MicrocastCore
import NIOPosix

/// Accepts a received file into the library: inspects it off the event loop,
/// moves it into place, and records it with its processing job in one step.
/// Used by the media endpoint and by multipart posts to the Micropub endpoint.
struct MediaIntake: Sendable {
    let library: MediaLibrary
    let media: any MediaRepository
    let limits: MediaLimits
    let threadPool: NIOThreadPool

    func adopt(_ upload: ReceivedFile, alt: String? = nil) async throws -> MediaItem {
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
            originalName: upload.clientFileName, probe: probe.jsonString(), alt: alt,
            width: probe.width, height: probe.height, duration: probe.duration,
            state: Self.jobKind(for: probe.kind) == nil ? .ready : .processing,
            isAnimated: probe.kind == .photo && (probe.pages ?? 1) > 1)
        try library.adoptOriginal(from: upload.temporaryFile, as: item.fileName)
        let job = Self.jobKind(for: probe.kind).map { JobRequest(kind: $0, mediaId: item.id) }
        do {
            try await media.add(item, processing: job)
        } catch {
            try? FileManager.default.removeItem(at: library.original(item.fileName))
            throw error
        }
        return item
    }
}

extension MediaIntake {
    /// The processing each kind of upload gets.
    static func jobKind(for kind: MediaFormat.Kind) -> String? {
        switch kind {
        case .photo: PhotoJob.kind
        case .audio: AudioJob.kind
        case .video: VideoJob.kind
        case .text: nil
        }
    }
}

extension FormatSniffer {
    static func sniffFile(_ path: String) -> MediaFormat? {
        (try? Prober.sniff(path: path)) ?? nil
    }
}
