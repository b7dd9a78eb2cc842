import Foundation
import MediaKit
import MediaModel
import MediaSandbox
import MicrocastCore

/// Makes a photo's renditions (every size and format of the preset) and its placeholder colour.
struct PhotoJob: JobHandler {
    let kind = JobKind.photoRenditions
    let pool = JobPool.media
    let context: MediaJobContext
    let preset: PhotoPreset
    let budget: DecodeBudget
    var library: MediaLibrary { context.library }

    func run(_ job: Job) async throws -> JobDone {
        try await context.processOnMediaThread(job) { item, control in try makeRenditions(for: item, control: control) }
    }

    /// Blocking: decodes and encodes with libvips (in a media child when
    /// there are children), then names each file by its content.
    func makeRenditions(for item: MediaItem, control: JobControl) throws -> ProcessedMedia {
        let original = library.original(item.fileName).path
        guard let children = context.children else {
            let made = try PhotoRenditions.make(from: original, preset: preset, budget: budget, control: control)
            return ProcessedMedia(renditions: try library.writeStills(made.renditions, for: item), placeholder: made.placeholder)
        }
        let made = try children.photoRenditions(from: original, preset: preset, folder: library.renditions, stem: item.id, control: control)
        return ProcessedMedia(renditions: try library.adoptStills(made.stills, for: item), placeholder: made.placeholder)
    }
}

/// What a job made of one media item.
struct ProcessedMedia: Sendable {
    var renditions: [Rendition]
    var placeholder: String?

    func with(placeholder: String?) -> ProcessedMedia {
        ProcessedMedia(renditions: renditions, placeholder: placeholder)
    }
}

extension MediaLibrary {
    /// Names stills a media child wrote under temporary names by their
    /// content, all or none (the rest are removed if one fails).
    func adoptStills(_ stills: [StillFile], for item: MediaItem) throws -> [Rendition] {
        var renditions: [Rendition] = []
        do {
            for still in stills {
                let name = try adoptRendition(still.file, stem: "\(item.id)-\(still.width)", fileExtension: still.format.fileExtension)
                renditions.append(
                    Rendition(
                        mediaId: item.id,
                        role: .image(still.format),
                        mimeType: still.format.mimeType,
                        width: still.width,
                        height: still.height,
                        byteCount: still.byteCount,
                        fileName: name
                    )
                )
            }
        } catch {
            for still in stills { try? FileManager.default.removeItem(at: still.file) }
            throw error
        }
        return renditions
    }

    /// Writes encoded stills (photo renditions, video posters) by rename, named by content.
    func writeStills(_ stills: [EncodedRendition], for item: MediaItem) throws -> [Rendition] {
        try stills.map { still in
            let name = try writeRendition(still.data, stem: "\(item.id)-\(still.width)", fileExtension: still.format.fileExtension)
            return Rendition(
                mediaId: item.id,
                role: .image(still.format),
                mimeType: still.format.mimeType,
                width: still.width,
                height: still.height,
                byteCount: Int64(still.data.count),
                fileName: name
            )
        }
    }
}
