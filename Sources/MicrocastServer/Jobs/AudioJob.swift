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
    /// The chapters file and the waveform are renditions too: JSON, named by content.
    static let chaptersFormat = "chapters"
    static let waveformFormat = "waveform"

    func makeRenditions(for item: MediaItem, tags: AudioTags, cover: Data?) throws -> [Rendition] {
        let result = try PodcastAudio.make(
            from: library.original(item.fileName).path, into: library.renditions, preset: preset, tags: tags, cover: cover,
            limits: limits)
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
            let waveform = try JSONEncoder().encode(result.waveform)
            renditions.append(
                Rendition(
                    mediaId: item.id, format: Self.waveformFormat, mimeType: "application/json", byteCount: Int64(waveform.count),
                    fileName: try library.writeRendition(waveform, stem: "\(item.id)-waveform", fileExtension: "json")))
            if !result.chapters.isEmpty {
                let chapters = PodcastChapters(
                    chapters: result.chapters.map { .init(startTime: $0.start, endTime: $0.end, title: $0.title ?? "") }
                ).json()
                renditions.append(
                    Rendition(
                        mediaId: item.id, format: Self.chaptersFormat, mimeType: PodcastChapters.mimeType,
                        byteCount: Int64(chapters.count),
                        fileName: try library.writeRendition(chapters, stem: "\(item.id)-chapters", fileExtension: "json")))
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
