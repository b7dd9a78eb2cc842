import Foundation
import MediaModel

/// An uploaded file: the original as received plus what processing made of it.
public struct MediaItem: Sendable, Equatable, Codable {
    /// Where an upload's processing is.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Stored and served; renditions are being made.
        case processing
        case ready
        /// Processing gave up; `failure` says why. The original is still served.
        case failed
    }

    /// Random and unguessable; also the original's file name stem.
    public var id: String
    public var kind: MediaKind
    public var mimeType: String
    public var fileExtension: String
    public var byteCount: Int64
    public var sha256: String
    public var originalName: String?
    /// What the file held when it was inspected.
    public var probe: MediaProbe
    public var alt: String?
    public var width: Int?
    public var height: Int?
    public var duration: Double?
    public var state: State
    public var failure: String?
    public var createdAt: Date
    /// The average colour, `#rrggbb`, a page shows until the image loads.
    public var placeholder: String?
    /// An animated image (a GIF of several frames), served as it is.
    public var isAnimated: Bool

    public init(
        id: String,
        kind: MediaKind,
        mimeType: String,
        fileExtension: String,
        byteCount: Int64,
        sha256: String,
        originalName: String? = nil,
        probe: MediaProbe,
        alt: String? = nil,
        width: Int? = nil,
        height: Int? = nil,
        duration: Double? = nil,
        state: State = .processing,
        failure: String? = nil,
        createdAt: Date = Date(),
        placeholder: String? = nil,
        isAnimated: Bool = false
    ) {
        self.id = id
        self.kind = kind
        self.mimeType = mimeType
        self.fileExtension = fileExtension
        self.byteCount = byteCount
        self.sha256 = sha256
        self.originalName = originalName
        self.probe = probe
        self.alt = alt
        self.width = width
        self.height = height
        self.duration = duration
        self.state = state
        self.failure = failure
        self.createdAt = createdAt
        self.placeholder = placeholder
        self.isAnimated = isAnimated
    }

    /// The original's file name in the library.
    public var fileName: String { "\(id).\(fileExtension)" }
}

/// What a rendition is for.
public enum RenditionRole: Sendable, Hashable, CustomStringConvertible {
    /// A still: a photo at one width, or a video's poster.
    case image(ImageFormat)
    /// An episode's podcast file, by the preset encoding's name (`mp3`, `m4a`).
    case audio(String)
    /// A web video file, by its size (`1080p`).
    case video(String)
    /// An episode's peaks, as audiowaveform JSON.
    case waveform
    /// An episode's Podcasting 2.0 chapters file.
    case chapters
    /// A transcript file of one format, in one language (stored as `transcript-LANGUAGE.FORMAT`).
    case transcript(TranscriptFormat, language: String)

    /// Read back from the store's `format` and `mimeType`; nil for a value
    /// this version does not know (the store treats that as an error).
    public init?(stored: String, mimeType: String) {
        switch stored {
        case "waveform": self = .waveform
        case "chapters": self = .chapters
        case let text where text.hasPrefix(Self.transcriptPrefix):
            let rest = text.dropFirst(Self.transcriptPrefix.count)
            guard let dot = rest.lastIndex(of: "."), let format = TranscriptFormat(rawValue: String(rest[rest.index(after: dot)...])) else {
                return nil
            }
            self = .transcript(format, language: String(rest[..<dot]))
        default:
            if mimeType.hasPrefix("image/"), let format = ImageFormat(rawValue: stored) {
                self = .image(format)
            } else if mimeType.hasPrefix("audio/") {
                self = .audio(stored)
            } else if mimeType.hasPrefix("video/") {
                self = .video(stored)
            } else {
                return nil
            }
        }
    }

    /// As the store's `format` column holds it.
    public var stored: String {
        switch self {
        case .image(let format): format.rawValue
        case .audio(let name), .video(let name): name
        case .waveform: "waveform"
        case .chapters: "chapters"
        case .transcript(let format, let language): "\(Self.transcriptPrefix)\(language).\(format.rawValue)"
        }
    }

    static let transcriptPrefix = "transcript-"

    public var isTranscript: Bool { if case .transcript = self { true } else { false } }

    public var description: String { stored }
}

/// A derived file made from a media item, named by its content.
public struct Rendition: Sendable, Equatable, Codable {
    public var mediaId: String
    public var role: RenditionRole
    public var mimeType: String
    public var width: Int
    public var height: Int
    public var byteCount: Int64
    public var fileName: String
    /// Seconds, for audio and video, read from the encoded file.
    public var duration: Double?
    /// Bits per second of the encoded stream.
    public var bitRate: Int?

    public init(
        mediaId: String,
        role: RenditionRole,
        mimeType: String,
        width: Int = 0,
        height: Int = 0,
        byteCount: Int64,
        fileName: String,
        duration: Double? = nil,
        bitRate: Int? = nil
    ) {
        self.mediaId = mediaId
        self.role = role
        self.mimeType = mimeType
        self.width = width
        self.height = height
        self.byteCount = byteCount
        self.fileName = fileName
        self.duration = duration
        self.bitRate = bitRate
    }

    private enum CodingKeys: String, CodingKey {
        case mediaId, role, mimeType, width, height, byteCount, fileName, duration, bitRate
    }

    /// The role as the store keeps it (`jpeg`, `mp3`, `1080p`, `waveform`), read back with the MIME type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mimeType = try container.decode(String.self, forKey: .mimeType)
        let stored = try container.decode(String.self, forKey: .role)
        guard let role = RenditionRole(stored: stored, mimeType: mimeType) else {
            throw DecodingError.dataCorruptedError(forKey: .role, in: container, debugDescription: "unknown rendition \(stored)")
        }
        self.role = role
        mediaId = try container.decode(String.self, forKey: .mediaId)
        width = try container.decode(Int.self, forKey: .width)
        height = try container.decode(Int.self, forKey: .height)
        byteCount = try container.decode(Int64.self, forKey: .byteCount)
        fileName = try container.decode(String.self, forKey: .fileName)
        duration = try container.decodeIfPresent(Double.self, forKey: .duration)
        bitRate = try container.decodeIfPresent(Int.self, forKey: .bitRate)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mediaId, forKey: .mediaId)
        try container.encode(role.stored, forKey: .role)
        try container.encode(mimeType, forKey: .mimeType)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(byteCount, forKey: .byteCount)
        try container.encode(fileName, forKey: .fileName)
        try container.encodeIfPresent(duration, forKey: .duration)
        try container.encodeIfPresent(bitRate, forKey: .bitRate)
    }
}

/// One media item's renditions, asked for by what they are for: pages, feeds
/// and the photo grid all ask here for "the JPEG widths", "the poster",
/// "the podcast file".
public struct RenditionSet: Sendable, Equatable {
    /// Smallest first.
    public let all: [Rendition]

    public init(_ renditions: [Rendition] = []) {
        all = renditions.sorted { ($0.width, $0.role.stored) < ($1.width, $1.role.stored) }
    }

    public var isEmpty: Bool { all.isEmpty }

    /// Stills of one format, narrowest first.
    public func images(_ format: ImageFormat) -> [Rendition] {
        all.filter { $0.role == .image(format) }
    }

    /// The JPEG widths, narrowest first: what every reader and browser shows.
    public var jpegs: [Rendition] { images(.jpeg) }

    /// The narrowest JPEG at least `width` pixels wide, else the widest there is.
    public func jpeg(atLeast width: Int) -> Rendition? {
        let jpegs = self.jpegs
        return jpegs.first { $0.width >= width } ?? jpegs.last
    }

    /// The widest JPEG no wider than `width`, else the narrowest.
    public func jpeg(atMost width: Int) -> Rendition? {
        let jpegs = self.jpegs
        return jpegs.last { $0.width <= width } ?? jpegs.first
    }

    /// A video's poster (its widest JPEG).
    public var poster: Rendition? { jpegs.last }

    /// An episode's files, in the preset's order of preference (MP3 first).
    public var audioFiles: [Rendition] {
        all.filter { if case .audio = $0.role { true } else { false } }
            .sorted { ($0.mimeType == "audio/mpeg" ? 0 : 1) < ($1.mimeType == "audio/mpeg" ? 0 : 1) }
    }

    /// The file podcast apps get: the MP3.
    public var podcastFile: Rendition? { audioFiles.first }

    /// The widest web video file.
    public var largestVideo: Rendition? {
        all.filter { if case .video = $0.role { true } else { false } }.max { $0.width < $1.width }
    }

    public var waveform: Rendition? { all.first { $0.role == .waveform } }
    public var chapters: Rendition? { all.first { $0.role == .chapters } }
    /// The transcript files made from the recording, in `TranscriptFormat`'s order (captions first).
    public var transcripts: [Rendition] {
        TranscriptFormat.allCases.compactMap { format in
            all.first { if case .transcript(format, _) = $0.role { true } else { false } }
        }
    }
}
