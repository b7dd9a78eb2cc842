import Foundation
import MediaModel

/// What a job does. Stored by its raw value; a stored value not listed here is an error, never guessed.
public enum JobKind: String, Sendable, Codable, CaseIterable {
    /// A photo's renditions: sizes × formats, and its placeholder colour.
    case photoRenditions = "photo.renditions"
    /// An episode's podcast files, waveform and chapters.
    case audioEpisode = "audio.episode"
    /// A video's MP4s and poster.
    case videoWeb = "video.web"
    /// A received Webmention's source fetched and checked (subject: the mention's id).
    case verifyMention = "webmention.verify"
    /// Webmentions sent for every page a post links (subject: the post's slug).
    case sendMentions = "webmention.send"

    /// Jobs that process a media item (their subject is its id).
    public static let media: [JobKind] = [.photoRenditions, .audioEpisode, .videoWeb]
    /// Jobs of conversations: network-bound, run apart from media so they never wait behind a transcode.
    public static let conversations: [JobKind] = [.verifyMention, .sendMentions]

    /// The processing an upload of `kind` gets; nil for files served as they are.
    public static func processing(_ kind: MediaKind) -> JobKind? {
        switch kind {
        case .photo: .photoRenditions
        case .audio: .audioEpisode
        case .video: .videoWeb
        case .text: nil
        }
    }
}

/// A job to queue: what to do, to what.
public struct JobRequest: Sendable, Equatable {
    public var kind: JobKind
    /// What the job works on: a media id, a mention id or a post slug, as its kind says.
    public var subject: String
    public var maxAttempts: Int

    public init(kind: JobKind, subject: String, maxAttempts: Int = 5) {
        self.kind = kind
        self.subject = subject
        self.maxAttempts = maxAttempts
    }
}

/// What a finished job changes on its subject: written in the same
/// transaction as the job's end, so a job is never done while its subject
/// still says otherwise (a crash between two writes used to leave an item
/// `processing` under a finished job).
public enum JobResult: Sendable {
    /// Nothing beyond the job's own row (sending Webmentions records each send as it goes).
    case nothing
    /// A media item's renditions and placeholder colour; the item becomes ready.
    case mediaProcessed(mediaId: String, renditions: [Rendition], placeholder: String?)
    /// A received Webmention as its verification left it.
    case mentionVerified(Mention)
}

/// A queued, running or finished job.
public struct Job: Sendable, Equatable {
    /// Where a job is in its life: waiting, being worked on, or ended.
    public enum State: String, Sendable, Codable, CaseIterable { case queued, running, done, failed }

    public var id: Int64
    public var kind: JobKind
    /// A media id, a mention id or a post slug, as `kind` says.
    public var subject: String
    public var state: State
    public var attempts: Int
    public var maxAttempts: Int
    public var lastError: String?
    /// The worker that holds (or last held) it, as `worker-HOST-PID-N`.
    public var worker: String?

    public init(
        id: Int64,
        kind: JobKind,
        subject: String,
        state: State,
        attempts: Int,
        maxAttempts: Int,
        lastError: String?,
        worker: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.subject = subject
        self.state = state
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.lastError = lastError
        self.worker = worker
    }
}
