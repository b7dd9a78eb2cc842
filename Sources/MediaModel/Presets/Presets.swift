import Foundation

/// Encoding presets, read at start-up from a folder of JSON files (the
/// repository's `Presets/`, which the command line finds and passes in).
public struct Presets: Sendable, Equatable {
    public var photo: PhotoPreset
    public var audio: AudioPreset
    public var video: VideoPreset

    public init(photo: PhotoPreset, audio: AudioPreset, video: VideoPreset) {
        self.photo = photo
        self.audio = audio
        self.video = video
    }

    /// Loads every preset file from `directory`; a missing or malformed file is an error
    /// naming the file, so a bad edit stops start-up instead of producing odd output.
    public static func load(from directory: URL) throws -> Presets {
        Presets(
            photo: try read(PhotoPreset.self, "photo.json", in: directory),
            audio: try read(AudioPreset.self, "audio.json", in: directory),
            video: try read(VideoPreset.self, "video.json", in: directory)
        )
    }

    private static func read<T: Decodable>(_ type: T.Type, _ name: String, in directory: URL) throws -> T {
        let file = directory.appendingPathComponent(name)
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(T.self, from: Data(contentsOf: file))
        } catch {
            throw PresetError(message: "cannot load preset \(file.path): \(error)")
        }
    }
}

/// A preset file missing or malformed, naming the file.
public struct PresetError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Photo renditions: the widths to make and the encodings of each.
public struct PhotoPreset: Codable, Sendable, Equatable {
    public typealias Format = ImageFormat

    /// One format photos are written in, and its quality.
    public struct Encoding: Codable, Sendable, Equatable {
        public var format: Format
        public var quality: Int
        /// AVIF only: the AV1 encoder's effort, 0 (fast) to 9 (small).
        public var effort: Int?

        public init(format: Format, quality: Int, effort: Int? = nil) {
            self.format = format
            self.quality = quality
            self.effort = effort
        }
    }

    public var widths: [Int]
    public var encodings: [Encoding]
    /// Keep the EXIF copyright notice when all other metadata is removed.
    public var keepCopyright: Bool

    public init(widths: [Int], encodings: [Encoding], keepCopyright: Bool = false) {
        self.widths = widths
        self.encodings = encodings
        self.keepCopyright = keepCopyright
    }

    /// The widths to make for a photo `displayWidth` pixels wide: every preset
    /// width below it, plus the photo's own width when it is under the largest
    /// preset, so nothing is upscaled and no two renditions are the same size.
    public func widths(forDisplayWidth displayWidth: Int) -> [Int] {
        let sorted = Set(widths).sorted()
        var chosen = sorted.filter { $0 < displayWidth }
        if let largest = sorted.last, displayWidth <= largest { chosen.append(displayWidth) }
        return chosen
    }
}

/// Podcast audio: the loudness target and the files each episode gets.
public struct AudioPreset: Codable, Sendable, Equatable {
    /// The loudness targets of EBU R128 and the podcast platforms.
    public struct Loudness: Codable, Sendable, Equatable {
        /// Integrated loudness targets, LUFS (EBU R128).
        public var stereoLufs: Double
        public var monoLufs: Double
        /// The highest true peak allowed, dBTP.
        public var truePeakDbtp: Double
    }

    /// One file each episode gets: its container, codec and bit rates.
    public struct Encoding: Codable, Sendable, Equatable {
        public var name: String
        /// FFmpeg's muxer name (`mp3`, `ipod` for M4A).
        public var container: String
        /// FFmpeg's encoder name (`libmp3lame`, `aac`).
        public var codec: String
        public var mimeType: String
        public var fileExtension: String
        /// Constant bit rates, by the output's channel count.
        public var bitRateMono: Int
        public var bitRateStereo: Int
        /// Private options of the encoder, in FFmpeg's own `key=value:key=value` form (`aac_coder=fast`).
        public var codecOptions: String?

        /// `codecOptions` as a dictionary.
        public var encoderOptions: [String: String] {
            var options: [String: String] = [:]
            for pair in (codecOptions ?? "").split(separator: ":") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { options[String(parts[0])] = String(parts[1]) }
            }
            return options
        }
    }

    public var loudness: Loudness
    public var sampleRate: Int
    public var encodings: [Encoding]
}

/// Web video: H.264 + AAC MP4 files, one per size that fits the source.
public struct VideoPreset: Codable, Sendable, Equatable {
    /// One size videos are made in.
    public struct Size: Codable, Sendable, Equatable {
        public var name: String
        /// The box the picture is scaled to fit, by its long and short side,
        /// so a vertical phone video fits "1080p" as 1080 × 1920.
        public var longSide: Int
        public var shortSide: Int
        /// x264's constant rate factor: lower is better and larger.
        public var crf: Int
        /// Faster sources are reduced to this many frames per second.
        public var maxFrameRate: Int
    }

    /// How a video's poster frame is chosen.
    public struct Poster: Codable, Sendable, Equatable {
        /// The poster is looked for from this share of the duration on.
        public var fromFraction: Double
        /// The lowest mean brightness (0–255) and spread of a usable frame:
        /// below them a frame is black, a fade or a blank card.
        public var minBrightness: Double
        public var minContrast: Double
        /// The most the mean brightness may move from the frame before: more is a fade.
        public var maxChange: Double
    }

    public var sizes: [Size]
    /// x264's speed preset; the same one the benchmark gives the `ffmpeg` CLI.
    public var encoderPreset: String
    public var audioBitRate: Int
    public var audioSampleRate: Int
    public var poster: Poster
}
