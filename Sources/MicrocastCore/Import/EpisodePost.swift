import Foundation

/// The post an imported episode becomes: the properties a Micropub client
/// would send for it, and its files (recording, artwork, chapters,
/// transcripts), so it is published the one way every post is.
public enum EpisodePost {
    /// Transcript types the site serves; others are left out with a note.
    public static let transcriptTypes: Set<String> = ["text/vtt", "application/x-subrip", "application/srt", "text/srt"]

    /// The ingest record an episode's post is remembered by: its guid, so a
    /// second run (or the show imported again from another address) finds it.
    public static func recordKey(guid: String) -> String {
        "podcast-episode:" + guid
    }

    public static func item(_ episode: ImportedEpisode) -> ImportItem? {
        guard let enclosure = episode.enclosure else { return nil }
        var properties: MF2Properties = [
            "name": [.string(episode.title)],
            // The guid podcast apps know the episode by: the feed keeps printing it.
            "uid": [.string(episode.guid)],
        ]
        if !episode.notesHTML.isEmpty { properties["content"] = [.object(["html": .string(episode.notesHTML)])] }
        if let published = episode.published { properties["published"] = [.string(DateText.iso8601(published))] }
        if let season = episode.season { properties["season"] = [.integer(Int64(season))] }
        if let number = episode.episode { properties["episode"] = [.integer(Int64(number))] }
        if let type = episode.episodeType { properties["episode-type"] = [.string(type)] }
        if let explicit = episode.explicit { properties["explicit"] = [.bool(explicit)] }
        var files = [ImportItem.File(source: .url(enclosure.url), placement: .recording, isRequired: true, role: "recording")]
        if let art = episode.artwork { files.append(.init(source: .url(art), placement: .property("photo"), role: "artwork")) }
        if let chapters = episode.chapters { files.append(.init(source: .url(chapters), placement: .property("chapters"), role: "chapters")) }
        for transcript in episode.transcripts where transcriptTypes.contains(transcript.mimeType) {
            files.append(.init(source: .url(transcript.url), placement: .property("transcript"), role: "transcript"))
        }
        return ImportItem(
            key: recordKey(guid: episode.guid),
            title: episode.title,
            create: MicropubCreate(type: "h-entry", properties: properties),
            files: files,
            oldURLs: episode.link.map { [$0] } ?? []
        )
    }
}
