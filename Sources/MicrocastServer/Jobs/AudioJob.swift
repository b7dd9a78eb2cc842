import Foundation
import MediaKit
import MicrocastCore

/// Makes an episode's podcast files (loudness-normalised MP3 and M4A) and
/// records them as renditions. Runs on the worker pool.
struct AudioJob: Sendable {
    static let kind = "audio.episode"

    let library: MediaLibrary
    let preset: AudioPreset
    let limits: MediaLimits

    /// Blocking: decodes, filters and encodes with FFmpeg, then names each file by its content.
    func makeRenditions(for item: MediaItem, tags: AudioTags) throws -> [Rendition] {
        let result = try PodcastAudio.make(
            from: library.original(item.fileName).path, into: library.renditions, preset: preset, tags: tags, limits: limits)
        var renditions: [Rendition] = []
        do {
            for file in result.files {
                let name = try library.adoptRendition(
                    file.temporaryFile, stem: "\(item.id)-\(file.encoding.name)", fileExtension: file.encoding.fileExtension)
                renditions.append(
                    Rendition(
                        mediaId: item.id, format: file.encoding.name, mimeType: file.encoding.mimeType,
                        byteCount: file.byteCount, fileName: name, duration: file.duration, bitRate: file.bitRate))
            }
        } catch {
            for file in result.files { try? FileManager.default.removeItem(at: file.temporaryFile) }
            throw error
        }
        return renditions
    }

    /// Tags from the upload's own title (or its file name) and the show.
    static func tags(for item: MediaItem, show: ShowSettings) -> AudioTags {
        let probe = try? MediaProbe.decoder().decode(MediaProbe.self, from: Data(item.probe.utf8))
        let fileTitle = item.originalName.map { ($0 as NSString).deletingPathExtension }
        let year = Calendar(identifier: .gregorian).component(.year, from: item.createdAt)
        return AudioTags(
            title: probe?.tags["title"] ?? fileTitle ?? show.title, artist: show.author, album: show.title,
            date: String(year), comment: show.website)
    }
}
