import Foundation
import MicrocastCore

/// The owner's corrections to a transcript: the cues' new words, at the
/// same times, written again as the four transcript files in place of the
/// old ones, and marked edited so a new transcription does not undo them.
package struct TranscriptEditor: Sendable {
    let library: MediaLibrary
    let store: any DataStore

    package init(library: MediaLibrary, store: any DataStore) {
        self.library = library
        self.store = store
    }

    package struct Conflict: Error, CustomStringConvertible {
        package init() {}
        package var description: String { "The transcript changed while you were correcting it. Reload the page and make your changes again." }
    }

    /// Saves `texts`, one per cue of the transcript as stored; an empty text removes its cue.
    package func save(mediaId: String, texts: [String]) async throws {
        guard let stored = try await store.transcripts(forMedia: [mediaId])[mediaId], stored.cues.count == texts.count else {
            throw Conflict()
        }
        let cues = zip(stored.cues, texts).compactMap { cue, text -> CaptionCue? in
            let words = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            return words.isEmpty ? nil : CaptionCue(start: cue.start, end: cue.end, lines: Captions.lines(words))
        }
        let old = try await store.renditions(forMedia: [mediaId])[mediaId]?.transcripts.map(\.fileName) ?? []
        let renditions = try TranscriptFiles(library: library)
            .write(cues, plainText: TranscriptFiles.plainText(cues), language: stored.language, mediaId: mediaId)
        for rendition in renditions { try await library.keep(.rendition(rendition.fileName), contentType: rendition.mimeType) }
        try await store.saveEdited(StoredTranscript(mediaId: mediaId, language: stored.language, isEdited: true, cues: cues), renditions: renditions)
        // The old files are no longer linked from anything the site publishes.
        for name in old { await library.forget(.rendition(name)) }
    }
}
