import Foundation
import MediaModel

/// What a job does. Stored by its raw value; a stored value not listed here
/// is an error, never guessed. Each kind says what it works on and how often
/// it is tried; what it does, and on which threads, is its handler's
/// (`JobHandler`, in the application), registered once.
public enum JobKind: String, Sendable, Codable, CaseIterable {
    /// A photo's renditions: sizes × formats, and its placeholder colour.
    case photoRenditions = "photo.renditions"
    /// An episode's podcast files, waveform and chapters.
    case audioEpisode = "audio.episode"
    /// A video's MP4s and poster.
    case videoWeb = "video.web"
    /// The public copy of an upload stored before uploads had one (a photo without its location).
    case publicCopy = "media.public-copy"
    /// A received Webmention's source fetched and checked.
    case verifyMention = "webmention.verify"
    /// Webmentions sent for every page a post links.
    case sendMentions = "webmention.send"

    /// What a job of this kind works on.
    public var subjectKind: JobSubject.Kind {
        switch self {
        case .photoRenditions, .audioEpisode, .videoWeb, .publicCopy: .media
        case .verifyMention: .mention
        case .sendMentions: .post
        }
    }

    /// Tries before a job of this kind ends failed.
    public var attempts: Int { 5 }

    /// The processing an upload of `kind` gets; nil for files served as they are.
    public static func processing(_ kind: MediaKind) -> JobKind? {
        switch kind {
        case .photo: .photoRenditions
        case .audio: .audioEpisode
        case .video: .videoWeb
        case .text: nil
        }
    }

    /// The kinds that work on `subject`'s kind of thing.
    public static func working(on subject: JobSubject.Kind) -> [JobKind] { allCases.filter { $0.subjectKind == subject } }
}

/// What a job works on, typed: a media item, a received mention, a post.
/// Stored as its key (`key`), the kind of job saying which it is.
public enum JobSubject: Sendable, Hashable, CustomStringConvertible {
    case media(String)
    case mention(String)
    case post(String)

    /// The kinds of thing a job can work on.
    public enum Kind: Sendable { case media, mention, post }

    public init(_ kind: Kind, key: String) {
        switch kind {
        case .media: self = .media(key)
        case .mention: self = .mention(key)
        case .post: self = .post(key)
        }
    }

    /// The id or slug, as stored.
    public var key: String {
        switch self {
        case .media(let id), .mention(let id), .post(let id): id
        }
    }

    public var kind: Kind {
        switch self {
        case .media: .media
        case .mention: .mention
        case .post: .post
        }
    }

    /// The media item's id, for a media subject.
    public var mediaId: String? { if case .media(let id) = self { id } else { nil } }

    public var description: String {
        switch self {
        case .media(let id): "media \(id)"
        case .mention(let id): "mention \(id)"
        case .post(let slug): "post \(slug)"
        }
    }
}

/// A job to queue: what to do, to what.
public struct JobRequest: Sendable, Equatable {
    public var kind: JobKind
    public var subject: JobSubject
    public var maxAttempts: Int

    /// A job of `kind` on `subject`, which must be the kind of thing `kind` works on.
    public init(kind: JobKind, subject: JobSubject, maxAttempts: Int? = nil) {
        precondition(subject.kind == kind.subjectKind, "\(kind.rawValue) works on a \(kind.subjectKind), not \(subject)")
        self.kind = kind
        self.subject = subject
        self.maxAttempts = maxAttempts ?? kind.attempts
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
    public var subject: JobSubject
    public var state: State
    public var attempts: Int
    public var maxAttempts: Int
    public var lastError: String?
    /// The worker that holds (or last held) it, as `worker-HOST-PID-N`.
    public var worker: String?

    public init(
        id: Int64,
        kind: JobKind,
        subject: JobSubject,
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

    /// Whether this was the job's last try.
    public var isLastAttempt: Bool { attempts >= maxAttempts }
}
