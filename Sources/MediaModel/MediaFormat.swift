/// What a file is, decided from its bytes.
public struct MediaFormat: Hashable, Sendable, Codable {
    public let name: String
    public let mimeType: String
    public let fileExtension: String
    public let kind: MediaKind

    public init(name: String, mimeType: String, fileExtension: String, kind: MediaKind) {
        self.name = name
        self.mimeType = mimeType
        self.fileExtension = fileExtension
        self.kind = kind
    }

    public static let jpeg = MediaFormat(name: "jpeg", mimeType: "image/jpeg", fileExtension: "jpg", kind: .photo)
    public static let png = MediaFormat(name: "png", mimeType: "image/png", fileExtension: "png", kind: .photo)
    public static let gif = MediaFormat(name: "gif", mimeType: "image/gif", fileExtension: "gif", kind: .photo)
    public static let webp = MediaFormat(name: "webp", mimeType: "image/webp", fileExtension: "webp", kind: .photo)
    public static let tiff = MediaFormat(name: "tiff", mimeType: "image/tiff", fileExtension: "tif", kind: .photo)
    public static let heic = MediaFormat(name: "heic", mimeType: "image/heic", fileExtension: "heic", kind: .photo)
    public static let avif = MediaFormat(name: "avif", mimeType: "image/avif", fileExtension: "avif", kind: .photo)

    public static let mp3 = MediaFormat(name: "mp3", mimeType: "audio/mpeg", fileExtension: "mp3", kind: .audio)
    public static let aac = MediaFormat(name: "aac", mimeType: "audio/aac", fileExtension: "aac", kind: .audio)
    public static let m4a = MediaFormat(name: "m4a", mimeType: "audio/mp4", fileExtension: "m4a", kind: .audio)
    public static let wav = MediaFormat(name: "wav", mimeType: "audio/wav", fileExtension: "wav", kind: .audio)
    public static let flac = MediaFormat(name: "flac", mimeType: "audio/flac", fileExtension: "flac", kind: .audio)
    public static let ogg = MediaFormat(name: "ogg", mimeType: "audio/ogg", fileExtension: "ogg", kind: .audio)
    public static let aiff = MediaFormat(name: "aiff", mimeType: "audio/aiff", fileExtension: "aiff", kind: .audio)

    public static let mp4 = MediaFormat(name: "mp4", mimeType: "video/mp4", fileExtension: "mp4", kind: .video)
    public static let mov = MediaFormat(name: "mov", mimeType: "video/quicktime", fileExtension: "mov", kind: .video)
    public static let webm = MediaFormat(name: "webm", mimeType: "video/webm", fileExtension: "webm", kind: .video)
    public static let mkv = MediaFormat(name: "mkv", mimeType: "video/x-matroska", fileExtension: "mkv", kind: .video)

    public static let vtt = MediaFormat(name: "vtt", mimeType: "text/vtt", fileExtension: "vtt", kind: .text)
    public static let srt = MediaFormat(name: "srt", mimeType: "application/x-subrip", fileExtension: "srt", kind: .text)
    /// A Podcasting 2.0 chapters file.
    public static let chapters = MediaFormat(
        name: "chapters",
        mimeType: "application/json+chapters",
        fileExtension: "json",
        kind: .text
    )

    public static let all: [MediaFormat] = [
        .jpeg, .png, .gif, .webp, .tiff, .heic, .avif,
        .mp3, .aac, .m4a, .wav, .flac, .ogg, .aiff,
        .mp4, .mov, .webm, .mkv,
        .vtt, .srt, .chapters,
    ]

    /// The format with this MIME type, for values read back from the store.
    public static func withMIMEType(_ mimeType: String) -> MediaFormat? {
        all.first { $0.mimeType == mimeType }
    }

    /// The file's real format once its streams are known: an MP4 with only
    /// sound is an M4A, a WebM or Ogg with only sound is audio.
    /// The `Content-Type` a rendition is served with, by its file extension:
    /// the formats we make (images, podcast audio, web video) and JSON (a
    /// waveform's peaks, a chapters file); nil for anything else.
    public static func renditionContentType(fileExtension: String) -> String? {
        if fileExtension == "json" { return "application/json" }
        // Transcripts and captions: text, in UTF-8, which a player would not otherwise assume.
        if let text = ["vtt": "text/vtt", "srt": "application/x-subrip", "txt": "text/plain"][fileExtension] { return text + "; charset=utf-8" }
        let made: [MediaFormat] = [.jpeg, .webp, .avif, .png, .mp3, .m4a, .mp4]
        return made.first { $0.fileExtension == fileExtension }?.mimeType
    }

    public func refined(for kind: MediaKind) -> MediaFormat {
        switch (self, kind) {
        case (.mp4, .audio), (.mov, .audio): .m4a
        case (.m4a, .video): .mp4
        case (.webm, .audio): MediaFormat(name: "webm", mimeType: "audio/webm", fileExtension: "webm", kind: .audio)
        case (.ogg, .video): MediaFormat(name: "ogv", mimeType: "video/ogg", fileExtension: "ogv", kind: .video)
        default: self
        }
    }
}
