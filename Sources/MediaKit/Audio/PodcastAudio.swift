import Foundation
import MediaEngine
import MediaModel

/// Tags written into every encoded episode file (ID3v2 in MP3, iTunes atoms in M4A).
public struct AudioTags: Codable, Sendable, Equatable {
    public var title: String
    public var artist: String
    /// The show's name.
    public var album: String
    public var date: String
    public var comment: String

    public init(title: String = "", artist: String = "", album: String = "", date: String = "", comment: String = "") {
        self.title = title
        self.artist = artist
        self.album = album
        self.date = date
        self.comment = comment
    }
}

/// One encoded file, written under a temporary name; its size, duration and
/// bit rate are read back from the file itself.
public struct EncodedAudio: Codable, Sendable {
    public var encoding: AudioPreset.Encoding
    public var temporaryFile: URL
    public var byteCount: Int64
    public var duration: Double
    public var bitRate: Int
    public var channels: Int
}

/// Everything an episode's processing made: the files (still under temporary names), the loudness, chapters and peaks.
public struct PodcastAudioResult: Codable, Sendable {
    public var source: Loudness
    /// The gain applied, dB.
    public var gain: Double
    public var files: [EncodedAudio]
    public var chapters: [MediaProbe.Chapter]
    /// Peaks of the normalised audio, for players.
    public var waveform: Waveform
}

/// Turns any audio FFmpeg reads into podcast files, in steps:
///
/// 1. `probe`: the file has sound, within the length limit (by its own stream's duration);
/// 2. `measure`: integrated loudness and true peak (EBU R128);
/// 3. `chapters`: the recording's chapters, clamped to the sound;
/// 4. `gain and limit`: the gain to the target, a limiter, a writer per encoding;
/// 5. `encode`: one decoding pass feeding every encoder (a thread each) and the waveform;
/// 6. `verify`: each file read back, and refused if it holds less than the source promised;
/// 7. `waveform`: the peaks, for players.
///
/// Blocking; run it on a worker thread.
public enum PodcastAudio {
    /// One encoded file being made: its writer and the filter graph in front of it.
    struct Output {
        var encoding: AudioPreset.Encoding
        var temporary: URL
        var writer: AudioFileWriter
        var graph: FilterGraph?
    }

    struct Context {
        let path: String
        let folder: URL
        let preset: AudioPreset
        let tags: AudioTags
        let cover: Data?
        let limits: MediaLimits
        var probe: MediaProbe?
        var loudness = Loudness(integrated: -70, truePeak: -144)
        var chapters: [MediaProbe.Chapter] = []
        var decoder: AudioDecoder?
        var channels = 2
        var gain = 0.0
        var outputs: [Output] = []
        var peaks = WaveformBuilder(duration: 60)
        var files: [EncodedAudio] = []
        var waveform: Waveform?

        /// How long the sound runs, by what its own stream promises.
        var promised: Double? { probe?.audioDuration }
    }

    static var pipeline: Pipeline<Context> {
        Pipeline([
            .init("probe") { context, control throws(MediaError) in
                let probe = try Prober.probe(path: context.path)
                guard probe.audioStream != nil else { throw .unreadable("the file has no audio") }
                // The sound's own length: a chapter or data track may run past it.
                if let duration = probe.audioDuration, duration > context.limits.maxDurationSeconds {
                    throw .tooLarge(
                        "the recording is \(Int(duration / 60)) minutes long; the limit is \(Int(context.limits.maxDurationSeconds / 60)) minutes"
                    )
                }
                context.probe = probe
            },
            .init("measure") { context, control throws(MediaError) in
                let decoder = try AudioDecoder(path: context.path, maxSeconds: context.limits.maxDurationSeconds, control: control)
                context.loudness = try MeasureLoudness.run(decoder)
                guard context.loudness.integrated > -70 else { throw .unreadable("the recording is silent") }
            },
            .init("chapters") { context, _ throws(MediaError) in
                context.chapters = ClampChapters.run(context.probe?.chapters ?? [], to: context.promised)
            },
            .init("gain and limit") { context, control throws(MediaError) in
                let decoder = try AudioDecoder(path: context.path, maxSeconds: context.limits.maxDurationSeconds, control: control)
                context.channels = decoder.channels == 1 ? 1 : 2
                let levels = GainAndLimit.levels(measured: context.loudness, channels: context.channels, preset: context.preset)
                context.gain = levels.gain
                context.outputs = try GainAndLimit.outputs(
                    preset: context.preset,
                    decoder: decoder,
                    gain: levels.gain,
                    ceiling: levels.ceiling,
                    channels: context.channels,
                    tags: context.tags,
                    chapters: context.chapters,
                    cover: context.cover,
                    folder: context.folder
                )
                context.decoder = decoder
            },
            .init("encode") { context, control throws(MediaError) in
                guard let decoder = context.decoder else { return }
                context.peaks = WaveformBuilder(duration: context.promised ?? 60)
                try EncodeOutputs.run(decoder, outputs: context.outputs, gain: context.gain, waveform: &context.peaks, control: control)
                context.decoder = nil
            },
            .init("verify") { context, _ throws(MediaError) in
                context.files = try VerifyOutputs.run(context.outputs, promised: context.promised, channels: context.channels)
            },
            .init("waveform") { context, _ throws(MediaError) in
                context.waveform = context.peaks.finish()
            },
        ])
    }

    /// `cover` is a JPEG (the show's artwork) embedded in every file.
    public static func make(
        from path: String,
        into folder: URL,
        preset: AudioPreset,
        tags: AudioTags,
        cover: Data? = nil,
        limits: MediaLimits = MediaLimits(),
        control: JobControl = .unlimited
    ) throws(MediaError) -> PodcastAudioResult {
        var context = Context(path: path, folder: folder, preset: preset, tags: tags, cover: cover, limits: limits)
        do throws(MediaError) {
            try pipeline.run(&context, control: control)
        } catch {
            for output in context.outputs { try? FileManager.default.removeItem(at: output.temporary) }
            throw error
        }
        return PodcastAudioResult(
            source: context.loudness,
            gain: context.gain,
            files: context.files,
            chapters: context.chapters,
            waveform: context.waveform ?? context.peaks.finish()
        )
    }
}
