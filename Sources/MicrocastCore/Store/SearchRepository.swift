import Foundation

/// Transcripts as cues, and the search over posts and what was said in them.
public protocol SearchRepository: Sendable {
    /// The transcript of each of these recordings that has one.
    func transcripts(forMedia ids: [String]) async throws -> [String: StoredTranscript]
    /// Saves the owner's corrections: the cues, and their files in place of
    /// the item's transcript files, in one transaction; marks it edited.
    func saveEdited(_ transcript: StoredTranscript, renditions: [Rendition]) async throws
    /// Queues a new transcription of the recording; with `discardingEdits`
    /// its result replaces the owner's corrections (cleared in the same transaction).
    func requestTranscript(mediaId: String, discardingEdits: Bool, now: Date) async throws
    /// Processes the recording again (and transcribes it again, which leaves
    /// an edited transcript alone), serving the files it has meanwhile.
    func reprocess(mediaId: String, kind: JobKind, now: Date) async throws
    /// Posts matching every word of the query, best first, each at its best
    /// place: its own text, or the moment in its transcript.
    func search(_ query: SearchQuery) async throws -> [SearchHit]
}
