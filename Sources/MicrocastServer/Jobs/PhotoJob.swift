import Foundation
import MediaKit
import MicrocastCore

/// Makes a photo's renditions and records them. Runs on the worker pool.
struct PhotoJob: Sendable {
    static let kind = "photo.renditions"

    let library: MediaLibrary
    let media: any MediaRepository
    let preset: PhotoPreset

    /// Blocking: decodes and encodes with libvips, then writes each file by rename.
    func makeRenditions(for item: MediaItem) throws -> [Rendition] {
        let encoded = try PhotoRenditions.make(from: library.original(item.fileName).path, preset: preset)
        return try encoded.map { rendition in
            let name = try library.writeRendition(
                rendition.data, stem: "\(item.id)-\(rendition.width)", fileExtension: rendition.format.fileExtension)
            return Rendition(
                mediaId: item.id, format: rendition.format.rawValue, mimeType: rendition.format.mimeType,
                width: rendition.width, height: rendition.height, byteCount: Int64(rendition.data.count), fileName: name)
        }
    }
}
