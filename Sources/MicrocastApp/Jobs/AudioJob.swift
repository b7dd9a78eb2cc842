import Foundation
import MediaKit
import MediaModel
import MicrocastCore

/// Makes an episode's podcast files (loudness-normalised MP3 and M4A, tagged
/// with the show and its artwork), its waveform and its chapters file.
struct AudioJob: JobHandler {
    let kind = JobKind.audioEpisode
    let pool = JobPool.media
    let context: MediaJobContext
    let preset: AudioPreset
    let limits: MediaLimits
    let settings: any SettingsRepository
    let site: SiteDirectory
    let artwork: ShowArtworkStore
    var library: MediaLibrary { context.library }

    func run(_ job: Job) async throws -> JobDone {
        try await context.process(job) { item, control in
            let show = ShowSettings(stored: try await settings.settings(), site: try await site.info())
            let tags = Self.tags(for: item, show: show)
            let cover = try await library.localFile(.rendition(try await artwork.fileName(for: show)))
            let renditions = try await context.onMediaThread { try makeRenditions(for: item, tags: tags, cover: cover, control: control) }
            return .mediaProcessed(mediaId: item.id, renditions: renditions, placeholder: nil)
        }
    }

    /// Blocking: decodes, filters and encodes with FFmpeg (in a media child
    /// when there are children), then names each file by its content.
    func makeRenditions(for item: MediaItem, tags: AudioTags, cover: URL, control: JobControl) throws -> [Rendition] {
        let original = library.original(item.fileName).path
        let result =
            if let children = context.children {
                try children.podcastAudio(
                    from: original,
                    into: library.renditions,
                    preset: preset,
                    tags: tags,
                    cover: cover,
                    limits: limits,
                    control: control
                )
            } else {
                try PodcastAudio.make(
                    from: original,
                    into: library.renditions,
                    preset: preset,
                    tags: tags,
                    cover: try Data(contentsOf: cover),
                    limits: limits,
                    control: control
                )
            }
        var renditions: [Rendition] = []
        do {
            for file in result.files {
                let name = try library.adoptRendition(
                    file.temporaryFile,
                    stem: "\(item.id)-\(file.encoding.name)",
                    fileExtension: file.encoding.fileExtension
                )
                renditions.append(
                    Rendition(
                        mediaId: item.id,
                        role: .audio(file.encoding.name),
                        mimeType: file.encoding.mimeType,
                        byteCount: file.byteCount,
                        fileName: name,
                        duration: file.duration,
                        bitRate: file.bitRate
                    )
                )
            }
            let waveform = try JSONEncoder().encode(result.waveform)
            renditions.append(
                Rendition(
                    mediaId: item.id,
                    role: .waveform,
                    mimeType: "application/json",
                    byteCount: Int64(waveform.count),
                    fileName: try library.writeRendition(waveform, stem: "\(item.id)-waveform", fileExtension: "json")
                )
            )
            if !result.chapters.isEmpty {
                let chapters = PodcastChapters(
                    chapters: result.chapters.map { .init(startTime: $0.start, endTime: $0.end, title: $0.title ?? "") }
                ).json()
                renditions.append(
                    Rendition(
                        mediaId: item.id,
                        role: .chapters,
                        mimeType: PodcastChapters.mimeType,
                        byteCount: Int64(chapters.count),
                        fileName: try library.writeRendition(chapters, stem: "\(item.id)-chapters", fileExtension: "json")
                    )
                )
            }
        } catch {
            for file in result.files { try? FileManager.default.removeItem(at: file.temporaryFile) }
            throw error
        }
        return renditions
    }

    /// Tags from the upload's own title (or its file name) and the show.
    static func tags(for item: MediaItem, show: ShowSettings) -> AudioTags {
        let fileTitle = item.originalName.map { ($0 as NSString).deletingPathExtension }
        let year = Calendar(identifier: .gregorian).component(.year, from: item.createdAt)
        return AudioTags(
            title: item.probe.tags["title"] ?? fileTitle ?? show.title,
            artist: show.author,
            album: show.title,
            date: String(year),
            comment: show.website
        )
    }
}
