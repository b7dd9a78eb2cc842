import Foundation
import MediaKit
import MicrocastCore

/// Makes a photo's renditions and records them. Runs on the worker pool.
struct PhotoJob: Sendable {
    static let kind = "photo.renditions"

    let library: MediaLibrary
    let preset: PhotoPreset

    /// Blocking: decodes and encodes with libvips, then writes each file by rename.
    func makeRenditions(for item: MediaItem) throws -> ProcessedMedia {
        let made = try PhotoRenditions.make(from: library.original(item.fileName).path, preset: preset)
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
                mediaId: item.id, format: still.format.rawValue, mimeType: still.format.mimeType,
                width: still.width, height: still.height, byteCount: Int64(still.data.count), fileName: name)
        }
    }
}
