import Foundation

/// Encoding presets, read from the `Presets/` folder at start-up (one JSON file each).
public struct Presets: Sendable, Equatable {
    public var photo: PhotoPreset
    public var audio: AudioPreset

    public init(photo: PhotoPreset, audio: AudioPreset) {
        self.photo = photo
        self.audio = audio
    }

    /// Loads every preset file from `directory`; a missing or malformed file is an error
    /// naming the file, so a bad edit stops start-up instead of producing odd output.
    public static func load(from directory: URL) throws -> Presets {
        Presets(
            photo: try read(PhotoPreset.self, "photo.json", in: directory),
            audio: try read(AudioPreset.self, "audio.json", in: directory))
    }

    /// The `Presets/` folder: the one named, else the first found walking up from
    /// the working directory and then from the executable (which finds the
    /// repository's folder when run from `.build/`).
    public static func locate(explicit: String? = nil) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit, isDirectory: true) }
        let starts = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
            URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent(),
        ]
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                let candidate = folder.appendingPathComponent("Presets", isDirectory: true)
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("photo.json").path) {
                    return candidate
                }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        throw PresetError(message: "no Presets/ folder found; pass --presets DIR")
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

public struct PresetError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Photo renditions: the widths to make and the encodings of each.
public struct PhotoPreset: Codable, Sendable, Equatable {
    public enum Format: String, Codable, Sendable {
        case jpeg, webp

        public var mimeType: String { self == .jpeg ? "image/jpeg" : "image/webp" }
        public var fileExtension: String { self == .jpeg ? "jpg" : "webp" }
    }

    public struct Encoding: Codable, Sendable, Equatable {
        public var format: Format
        public var quality: Int
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
    public struct Loudness: Codable, Sendable, Equatable {
        /// Integrated loudness targets, LUFS (EBU R128).
        public var stereoLufs: Double
        public var monoLufs: Double
        /// The highest true peak allowed, dBTP.
        public var truePeakDbtp: Double
    }

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
    }

    public var loudness: Loudness
    public var sampleRate: Int
    public var encodings: [Encoding]
}

/// Limits checked from headers before any expensive work starts.
public struct MediaLimits: Sendable, Equatable {
    public var maxPixels: Int
    public var maxUploadBytes: Int64
    public var maxDurationSeconds: Double

    public init(maxPixels: Int = 100_000_000, maxUploadBytes: Int64 = 1 << 30, maxDurationSeconds: Double = 4 * 3600) {
        self.maxPixels = maxPixels
        self.maxUploadBytes = maxUploadBytes
        self.maxDurationSeconds = maxDurationSeconds
    }
}
