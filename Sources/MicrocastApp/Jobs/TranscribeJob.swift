import Foundation
import MediaModel
import MicrocastCore

/// An episode's or video's words: Whisper run on the original recording in
/// a transcriber process (`Transcriber`), cut into captions, and written as
/// WebVTT, SubRip, the Podcasting 2.0 JSON transcript and plain text.
///
/// Queued with the upload, it runs in the media pool's background tier, so
/// it never takes a loop from an encoding; and it waits (without spending
/// an attempt) until the item's own processing is done, so the episode is
/// published as soon as its audio is ready and the transcript follows.
struct TranscribeJob: JobHandler {
    let kind = JobKind.transcribe
    let pool = JobPool.media
    let isBackground = true
    let context: MediaJobContext
    let transcriber: Transcriber
    let settings: any SettingsRepository
    let transcripts: any SearchRepository

    func run(_ job: Job) async throws -> JobDone {
        guard let id = job.subject.mediaId, let item = try await context.media.media(id: id) else {
            throw JobSetback.giveUp("the media item no longer exists")
        }
        switch item.state {
        case .ready: break
        case .failed: throw JobSetback.giveUp("its recording could not be processed")
        default: throw JobSetback.postpone("waiting for the recording to be processed", after: 15)
        }
        guard transcriber.model != .off else { throw JobSetback.giveUp("transcription is off (--transcribe-model off)") }
        // The owner's corrections stay until the owner asks for a new
        // transcript (which clears the mark); the store checks again when it saves.
        if try await transcripts.transcripts(forMedia: [id])[id]?.isEdited == true {
            return JobDone(.nothing, summary: "kept the owner's edited transcript")
        }
        let language = try await Self.language(settings)
        return try await context.process(job) { item, control in
            let transcript: Transcript
            do {
                transcript = try await transcriber.transcribe(context.library.original(item.fileName), language: language, control: control)
            } catch let failure as Transcriber.Failure where control.shouldStop {
                throw MediaError.interrupted(failure.description)
            }
            let cues = Captions.cues(transcript)
            let renditions = try TranscriptFiles(library: context.library)
                .write(cues, plainText: transcript.plainText, language: transcript.language, mediaId: item.id)
            return .transcribed(
                StoredTranscript(mediaId: item.id, language: transcript.language, isEdited: false, cues: cues),
                renditions: renditions
            )
        }
    }

    /// The show's language when the owner set one (its primary subtag, as
    /// Whisper names languages); nil lets the recogniser detect it.
    static func language(_ settings: any SettingsRepository) async throws -> String? {
        guard let set = try await settings.settings()[.show(.language)], !set.isEmpty else { return nil }
        return set.split(separator: "-").first.map { $0.lowercased() }
    }
}
