import Foundation

/// An uploaded file: the original as received plus what processing made of it.
public struct MediaItem: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Stored and served; renditions are being made.
        case processing
        case ready
        /// Processing gave up; `failure` says why. The original is still served.
        case failed
    }

    /// Random and unguessable; also the original's file name stem.
    public var id: String
    public var kind: String
    public var mimeType: String
    public var fileExtension: String
    public var byteCount: Int64
    public var sha256: String
    public var originalName: String?
    /// The probe, as snake_case JSON.
    public var probe: String
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
        id: String, kind: String, mimeType: String, fileExtension: String, byteCount: Int64, sha256: String,
        originalName: String? = nil, probe: String, alt: String? = nil, width: Int? = nil, height: Int? = nil,
        duration: Double? = nil, state: State = .processing, failure: String? = nil, createdAt: Date = Date(),
        placeholder: String? = nil, isAnimated: Bool = false
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

/// A derived file made from a media item, named by its content.
public struct Rendition: Sendable, Equatable {
    public var mediaId: String
    public var format: String
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
        mediaId: String, format: String, mimeType: String, width: Int = 0, height: Int = 0, byteCount: Int64,
        fileName: String, duration: Double? = nil, bitRate: Int? = nil
    ) {
        self.mediaId = mediaId
        self.format = format
        self.mimeType = mimeType
        self.width = width
        self.height = height
        self.byteCount = byteCount
        self.fileName = fileName
        self.duration = duration
        self.bitRate = bitRate
    }
}
