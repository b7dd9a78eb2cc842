import Foundation
import MediaKit
import MediaModel
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

    /// Blocking: decodes and encodes with libvips, then writes each file by rename.
    func makeRenditions(for item: MediaItem, control: JobControl) throws -> ProcessedMedia {
        let made = try PhotoRenditions.make(from: library.original(item.fileName).path, preset: preset, budget: budget, control: control)
        return ProcessedMedia(renditions: try library.writeStills(made.renditions, for: item), placeholder: made.placeholder)
    }
}

/// What a job made of one media item.
struct ProcessedMedia: Sendable {
    var renditions: [Rendition]
    var placeholder: String?
}

extension MediaLibrary {
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
