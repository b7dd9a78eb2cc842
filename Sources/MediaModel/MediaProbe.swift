import Foundation

/// What a media file holds, as read by libavformat (audio, video) or libvips (photos).
/// Encoded as snake_case JSON for `microcast probe` and the store.
public struct MediaProbe: Codable, Sendable, Equatable {
    /// What a stream carries, as FFmpeg names its media types.
    public enum StreamType: String, Codable, Sendable {
        case audio, video, subtitle, data, attachment, unknown
    }

    /// One stream of a container: its type, codec and what it promises.
    public struct Stream: Codable, Sendable, Equatable {
        public var index: Int
        public var type: StreamType
        public var codec: String
        public var bitRate: Int?
        public var sampleRate: Int?
        public var channels: Int?
        public var width: Int?
        public var height: Int?
        /// Display rotation in degrees, as ffprobe reports it (counter-clockwise).
        public var rotation: Double?
        public var frameRate: Double?
        public var isCoverArt: Bool
        /// Seconds, as the stream itself promises; a container's duration can be
        /// longer, stretched by a chapter, data or subtitle track.
        public var duration: Double?

        public init(
            index: Int,
            type: StreamType,
            codec: String,
            bitRate: Int? = nil,
            sampleRate: Int? = nil,
            channels: Int? = nil,
            width: Int? = nil,
            height: Int? = nil,
            rotation: Double? = nil,
            frameRate: Double? = nil,
            isCoverArt: Bool = false,
            duration: Double? = nil
        ) {
            self.index = index
            self.type = type
            self.codec = codec
            self.bitRate = bitRate
            self.sampleRate = sampleRate
            self.channels = channels
            self.width = width
            self.height = height
            self.rotation = rotation
            self.frameRate = frameRate
            self.isCoverArt = isCoverArt
            self.duration = duration
        }
    }

    /// A chapter the file declares, in seconds.
    public struct Chapter: Codable, Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var title: String?

        public init(start: Double, end: Double, title: String?) {
            self.start = start
            self.end = end
            self.title = title
        }
    }

    public var kind: MediaKind
    /// The container (FFmpeg's demuxer name) or the image format.
    public var format: String
    public var mimeType: String
    public var duration: Double?
    public var bitRate: Int?
    public var width: Int?
    public var height: Int?
    public var streams: [Stream] = []
    public var tags: [String: String] = [:]
    public var chapters: [Chapter] = []
    public var hasCoverArt: Bool = false

    /// The first sound stream (not cover art): the one podcast files are made from.
    public var audioStream: Stream? { streams.first { $0.type == .audio } }

    /// Width and height as the picture is shown: EXIF orientations 5 to 8 turn it a quarter.
    public var uprightSize: (width: Int, height: Int)? {
        guard let width, let height else { return nil }
        return (5...8).contains(orientation ?? 1) ? (height, width) : (width, height)
    }

    /// How long the sound runs, by what the audio stream promises, or the
    /// container when the stream says nothing.
    public var audioDuration: Double? { audioStream?.duration ?? duration }
    /// EXIF orientation (1–8) of a photo; 1 or nil means upright as stored.
    public var orientation: Int?
    public var hasGPS: Bool?
    /// The embedded ICC profile's description, if it has one.
    public var colorProfile: String?
    public var colorSpace: String?
    /// Frames in an animated image.
    public var pages: Int?

    public init(
        kind: MediaKind,
        format: String,
        mimeType: String,
        duration: Double? = nil,
        bitRate: Int? = nil,
        width: Int? = nil,
        height: Int? = nil,
        streams: [Stream] = [],
        tags: [String: String] = [:],
        chapters: [Chapter] = [],
        hasCoverArt: Bool = false,
        orientation: Int? = nil,
        hasGPS: Bool? = nil,
        colorProfile: String? = nil,
        colorSpace: String? = nil,
        pages: Int? = nil
    ) {
        self.kind = kind
        self.format = format
        self.mimeType = mimeType
        self.duration = duration
        self.bitRate = bitRate
        self.width = width
        self.height = height
        self.streams = streams
        self.tags = tags
        self.chapters = chapters
        self.hasCoverArt = hasCoverArt
        self.orientation = orientation
        self.hasGPS = hasGPS
        self.colorProfile = colorProfile
        self.colorSpace = colorSpace
        self.pages = pages
    }

    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    public func jsonString(pretty: Bool = false) -> String {
        // Encoding plain values cannot fail.
        let data = (try? Self.encoder(pretty: pretty).encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
