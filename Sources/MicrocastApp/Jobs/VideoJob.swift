import Foundation
import MediaKit
import MediaModel
import MediaSandbox
import MicrocastCore

/// Makes a video's web files (H.264/AAC MP4 per size) and its poster.
struct VideoJob: JobHandler {
    let kind = JobKind.videoWeb
    let pool = JobPool.media
    let context: MediaJobContext
    let preset: VideoPreset
    let posterEncodings: [PhotoPreset.Encoding]
    let limits: MediaLimits
    var library: MediaLibrary { context.library }

    func run(_ job: Job) async throws -> JobDone {
        try await context.processOnMediaThread(job) { item, control in try makeRenditions(for: item, control: control) }
    }

    /// Blocking: decodes once and encodes every size with FFmpeg (in a media
    /// child when there are children), then names each file by its content.
    func makeRenditions(for item: MediaItem, control: JobControl) throws -> ProcessedMedia {
        let original = library.original(item.fileName).path
        guard let children = context.children else {
            let result = try WebVideo.make(
                from: original,
                into: library.renditions,
                preset: preset,
                posterEncodings: posterEncodings,
                limits: limits,
                control: control
            )
            return try adopt(result.files, for: item) { try library.writeStills(result.poster, for: item) }
                .with(placeholder: result.placeholder)
        }
        let result = try children.webVideo(
            from: original,
            into: library.renditions,
            preset: preset,
            posterEncodings: posterEncodings,
            limits: limits,
            stem: item.id,
            control: control
        )
        do {
            return try adopt(result.files, for: item) { try library.adoptStills(result.poster, for: item) }
                .with(placeholder: result.placeholder)
        } catch {
            for still in result.poster { try? FileManager.default.removeItem(at: still.file) }
            throw error
        }
    }

    /// Names the encoded files by their content and records them with the
    /// poster `stills` gives; removes what is left if any of it fails.
    func adopt(_ files: [EncodedVideo], for item: MediaItem, stills: () throws -> [Rendition]) throws -> ProcessedMedia {
        do {
            var renditions: [Rendition] = []
            for file in files {
                let name = try library.adoptRendition(file.temporaryFile, stem: "\(item.id)-\(file.name)", fileExtension: "mp4")
                renditions.append(
                    Rendition(
                        mediaId: item.id,
                        role: .video(file.name),
                        mimeType: "video/mp4",
                        width: file.width,
                        height: file.height,
                        byteCount: file.byteCount,
                        fileName: name,
                        duration: file.duration,
                        bitRate: file.bitRate
                    )
                )
            }
            renditions += try stills()
            return ProcessedMedia(renditions: renditions, placeholder: nil)
        } catch {
            for file in files { try? FileManager.default.removeItem(at: file.temporaryFile) }
            throw error
        }
    }
}
