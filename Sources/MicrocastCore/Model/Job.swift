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
    /// An episode's or video's words, recognised by Whisper, as captions and transcripts.
    case transcribe = "media.transcript"
    /// A received Webmention's source fetched and checked.
    case verifyMention = "webmention.verify"
    /// A response's author photo fetched and made ours (one fetch serves
    /// every response that shows the same photo).
    case authorPhoto = "mention.author-photo"
    /// Webmentions sent for every page a post links.
    case sendMentions = "webmention.send"
    /// A post's copy on one account made to match the post: posted, edited
    /// (or replaced), deleted or posted again.
    case syndicate = "syndication.copy"
    /// Replies, likes and reposts of a copy, fetched from its network.
    case backfeed = "syndication.backfeed"
    /// A change to a post, turned into one delivery per follower inbox.
    case fanout = "fediverse.fanout"
    /// One signed activity POSTed to one inbox.
    case deliver = "fediverse.deliver"

    /// What a job of this kind works on.
    public var subjectKind: JobSubject.Kind {
        switch self {
        case .photoRenditions, .audioEpisode, .videoWeb, .publicCopy, .transcribe: .media
        case .verifyMention, .authorPhoto: .mention
        case .sendMentions, .fanout: .post
        case .syndicate, .backfeed: .copy
        case .deliver: .delivery
        }
    }

    /// Tries before a job of this kind ends failed. A copy waits out a
    /// network's bad hour (ten tries, backing off to ten minutes apart).
    public var attempts: Int {
        switch self {
        case .syndicate: 10
        // A follower's server down for a day still gets it (backing off to ten minutes apart).
        case .deliver: 12
        default: 5
        }
    }

    /// The processing an upload of `kind` gets; nil for files served as they are.
    public static func processing(_ kind: MediaKind) -> JobKind? {
        switch kind {
        case .photo: .photoRenditions
        case .audio: .audioEpisode
        case .video: .videoWeb
        case .text: nil
        }
    }

    /// Whether an upload of `kind` is transcribed (when transcription is on).
    public static func isTranscribed(_ kind: MediaKind) -> Bool { kind == .audio || kind == .video }

    /// The kinds that work on `subject`'s kind of thing.
    public static func working(on subject: JobSubject.Kind) -> [JobKind] { allCases.filter { $0.subjectKind == subject } }
}

/// What a job works on, typed: a media item, a received mention, a post,
/// a post's copy on one account. Stored as its key (`key`), the kind of job
/// saying which it is.
public enum JobSubject: Sendable, Hashable, CustomStringConvertible {
    case media(String)
    case mention(String)
    case post(String)
    case copy(post: String, account: String)
    /// An activity for one inbox: `create SLUG`, `update SLUG`, `delete SLUG`, `accept ACTOR`.
    case delivery(inbox: String, activity: String)

    /// The kinds of thing a job can work on.
    public enum Kind: Sendable { case media, mention, post, copy, delivery }

    public init(_ kind: Kind, key: String) {
        switch kind {
        case .media: self = .media(key)
        case .mention: self = .mention(key)
        case .post: self = .post(key)
        case .copy:
            // A slug has no spaces; an account's uid is a URL, which has none either.
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            self = .copy(post: parts.first ?? "", account: parts.count > 1 ? parts[1] : "")
        case .delivery:
            // An inbox is a URL: it has no spaces.
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            self = .delivery(inbox: parts.first ?? "", activity: parts.count > 1 ? parts[1] : "")
        }
    }

    /// The id or slug (for a copy, the post's slug and the account's uid), as stored.
    public var key: String {
        switch self {
        case .media(let id), .mention(let id), .post(let id): id
        case .copy(let post, let account): "\(post) \(account)"
        case .delivery(let inbox, let activity): "\(inbox) \(activity)"
        }
    }

    public var kind: Kind {
        switch self {
        case .media: .media
        case .mention: .mention
        case .post: .post
        case .copy: .copy
        case .delivery: .delivery
        }
    }

    /// The media item's id, for a media subject.
    public var mediaId: String? { if case .media(let id) = self { id } else { nil } }

    public var description: String {
        switch self {
        case .media(let id): "media \(id)"
        case .mention(let id): "mention \(id)"
        case .post(let slug): "post \(slug)"
        case .copy(let post, let account): "post \(post) on \(account)"
        case .delivery(let inbox, let activity): "\(activity) to \(inbox)"
        }
    }
}

/// A job to queue: what to do, to what.
public struct JobRequest: Sendable, Equatable {
    public var kind: JobKind
    public var subject: JobSubject
    public var maxAttempts: Int
    /// Not before this time (nil: at once).
    public var runAfter: Date?

    /// A job of `kind` on `subject`, which must be the kind of thing `kind` works on.
    public init(kind: JobKind, subject: JobSubject, maxAttempts: Int? = nil, runAfter: Date? = nil) {
        precondition(subject.kind == kind.subjectKind, "\(kind.rawValue) works on a \(kind.subjectKind), not \(subject)")
        self.kind = kind
        self.subject = subject
        self.maxAttempts = maxAttempts ?? kind.attempts
        self.runAfter = runAfter
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
    /// A post's copy as the network now has it (the post's `syndication`
    /// URLs follow it), and the jobs it starts (the first look for responses).
    case copied(SyndicationCopy, then: [JobRequest])
    /// Responses read from a copy's network (new ones added, known ones
    /// brought up to date), and the next look, if there is one.
    case backfed([Mention], next: JobRequest?)
    /// More jobs to queue (one delivery per inbox).
    case enqueued([JobRequest])
    /// An author photo made ours: `file`, a rendition, shown for every
    /// response whose author's photo is `remote` and that has none yet.
    case authorPhoto(remote: String, file: String)
    /// A recording's transcript (its cues and its files), replacing the one
    /// it had unless the owner edited that one meanwhile (its other
    /// renditions, and its state, stay as they are).
    case transcribed(StoredTranscript, renditions: [Rendition])
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
