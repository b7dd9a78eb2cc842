import Foundation
import MediaKit
import MediaModel
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

    /// Blocking: decodes once and encodes every size with FFmpeg, then names each file by its content.
    func makeRenditions(for item: MediaItem, control: JobControl) throws -> ProcessedMedia {
        let result = try WebVideo.make(
            from: library.original(item.fileName).path,
            into: library.renditions,
            preset: preset,
            posterEncodings: posterEncodings,
            limits: limits,
            control: control
        )
        do {
            var renditions: [Rendition] = []
            for file in result.files {
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
            renditions += try library.writeStills(result.poster, for: item)
            return ProcessedMedia(renditions: renditions, placeholder: result.placeholder)
        } catch {
            for file in result.files { try? FileManager.default.removeItem(at: file.temporaryFile) }
            throw error
        }
    }
}
