import Foundation
import MediaKit
import MediaModel

/// What the server asks a media child, one JSON line each way. The child is
/// given paths it may read and a folder it may write in, and answers with
/// values; the server checks what comes back as it would anything a stranger
/// sent (see `MediaChildPool`).
public struct ChildRequest: Codable, Sendable {
    public var work: ChildWork
    /// The file to read: an upload, or an original.
    public var path: String
    /// Seconds the work may take before the child stops it itself.
    public var seconds: Double

    public init(work: ChildWork, path: String, seconds: Double) {
        self.work = work
        self.path = path
        self.seconds = seconds
    }

    /// The files the work reads: the file, and an episode's cover.
    var inputs: [String] {
        if case .audio(_, _, let cover?, _, _) = work { return [path, cover] }
        return [path]
    }
}

/// The work a child does on one file: the server's every decode of media it
/// did not make. Files it writes go under temporary names into `folder`,
/// which the server then checks and renames into place.
public enum ChildWork: Codable, Sendable {
    /// `Inspector.inspect`: the probe of an upload that passed every check.
    case inspect(limits: MediaLimits)
    /// `RemoveLocation.copy` to `destination` (a temporary name the server renames).
    case removeLocation(format: MediaFormat, destination: String)
    /// `PhotoRenditions.make`; each rendition written into `folder` under a temporary name that starts `.stem-`.
    case photo(preset: PhotoPreset, folder: String, stem: String)
    /// `PodcastAudio.make` into `folder`, with the show's artwork read from `cover`.
    case audio(preset: AudioPreset, tags: AudioTags, cover: String?, limits: MediaLimits, folder: String)
    /// `WebVideo.make` into `folder`; the poster's stills written there too.
    case video(preset: VideoPreset, posterEncodings: [PhotoPreset.Encoding], limits: MediaLimits, folder: String, stem: String)
    /// A stranger's author photo checked like an upload, cut square and written as JPEG to `destination`.
    case avatar(limits: MediaLimits, size: Int, destination: String)

    /// What the work is called in errors.
    var name: String {
        switch self {
        case .inspect: "inspect"
        case .removeLocation: "public copy"
        case .photo: "photo renditions"
        case .audio: "episode audio"
        case .video: "web video"
        case .avatar: "author photo"
        }
    }
}

/// A still (a photo rendition or a poster frame) a child wrote to a file.
public struct StillFile: Codable, Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var format: PhotoPreset.Format
    public var file: URL
    public var byteCount: Int64
}

/// What a child made of the file, by the work it was asked for.
public enum ChildMade: Codable, Sendable {
    case probe(MediaProbe)
    case publicCopy(RemoveLocation.Method)
    case photo(stills: [StillFile], placeholder: String?)
    case audio(PodcastAudioResult)
    case video(files: [EncodedVideo], poster: [StillFile], placeholder: String?)
    case avatar(byteCount: Int64)
}

/// A child's line: how far it is (while it works), or at the end what it
/// made or the media error it met, and its peak memory so far.
public struct ChildAnswer: Codable, Sendable {
    public var made: ChildMade?
    public var error: ChildError?
    /// 0 to 1, on the lines a job's child sends while it works.
    public var progress: Double?
    /// The child's peak resident memory, kilobytes (`ru_maxrss`).
    public var peakKilobytes: Int?

    /// A `MediaError` as it crosses the pipe.
    public struct ChildError: Codable, Sendable, Equatable {
        public var kind: String
        public var message: String
    }

    init(made: ChildMade) {
        self.made = made
    }

    init(progress: Double) {
        self.progress = progress
    }

    init(error: MediaError) {
        let kind: String
        switch error {
        case .unsupported: kind = "unsupported"
        case .unreadable: kind = "unreadable"
        case .tooLarge: kind = "tooLarge"
        case .engine: kind = "engine"
        case .interrupted: kind = "interrupted"
        case .noSpace: kind = "noSpace"
        }
        self.error = ChildError(kind: kind, message: String(error.description.prefix(2000)))
    }

    /// The media error the child met; an unknown kind is the engine's fault.
    var mediaError: MediaError? {
        guard let error else { return nil }
        switch error.kind {
        case "unsupported": return .unsupported(error.message)
        case "unreadable": return .unreadable(error.message)
        case "tooLarge": return .tooLarge(error.message)
        case "interrupted": return .interrupted(error.message)
        case "noSpace": return .noSpace(error.message)
        default: return .engine(error.message)
        }
    }
}
