import CFFmpeg
import Foundation

/// Tags written into every encoded episode file (ID3v2 in MP3, iTunes atoms in M4A).
public struct AudioTags: Sendable, Equatable {
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
public struct EncodedAudio: Sendable {
    public var encoding: AudioPreset.Encoding
    public var temporaryFile: URL
    public var byteCount: Int64
    public var duration: Double
    public var bitRate: Int
    public var channels: Int
}

public struct PodcastAudioResult: Sendable {
    public var source: Loudness
    /// The gain applied, dB.
    public var gain: Double
    public var files: [EncodedAudio]
    public var chapters: [MediaProbe.Chapter]
    /// Peaks of the normalised audio, for players.
    public var waveform: Waveform
}

/// Turns any audio FFmpeg reads into podcast files: measure loudness, then in
/// one decoding pass apply gain and a peak limiter, resample with
/// libswresample, and encode every encoding of the preset. Blocking; run it on
/// a worker thread.
public enum PodcastAudio {
    /// The limiter's ceiling sits below the true-peak target: it limits sample
    /// peaks, and inter-sample peaks and lossy encoding add up to about a decibel.
    static let limiterMargin = 1.0
    /// Quiet recordings are lifted at most this much, so noise is not made loud.
    static let maxGain = 24.0

    /// `cover` is a JPEG (the show's artwork) embedded in every file.
    public static func make(
        from path: String, into folder: URL, preset: AudioPreset, tags: AudioTags, cover: Data? = nil,
        limits: MediaLimits = MediaLimits()
    ) throws(MediaError) -> PodcastAudioResult {
        let probe = try Prober.probe(path: path)
        guard probe.streams.contains(where: { $0.type == "audio" }) else {
            throw .unreadable("the file has no audio")
        }
        // The sound's own length: a chapter or data track may run past it.
        let promised = probe.audioDuration
        if let duration = promised, duration > limits.maxDurationSeconds {
            throw .tooLarge("the recording is \(Int(duration / 60)) minutes long; the limit is \(Int(limits.maxDurationSeconds / 60)) minutes")
        }
        let measured = try LoudnessMeter.measure(AudioDecoder(input: FormatInput(path: path), maxSeconds: limits.maxDurationSeconds))
        guard measured.integrated > -70 else { throw .unreadable("the recording is silent") }

        let decoder = try AudioDecoder(input: FormatInput(path: path), maxSeconds: limits.maxDurationSeconds)
        let channels: Int32 = decoder.channels == 1 ? 1 : 2
        let target = channels == 1 ? preset.loudness.monoLufs : preset.loudness.stereoLufs
        let gain = min(maxGain, target - measured.integrated)
        let ceiling = pow(10, (preset.loudness.truePeakDbtp - limiterMargin) / 20)

        let chapters = Self.clamped(probe.chapters, to: promised)

        var outputs: [Output] = []
        func removeTemporaries() { for output in outputs { try? FileManager.default.removeItem(at: output.temporary) } }
        do {
            for encoding in preset.encodings {
                let temporary = folder.appendingPathComponent(".\(UUID().uuidString.lowercased()).\(encoding.fileExtension).tmp")
                let writer = try AudioFileWriter(
                    temporaryPath: temporary.path,
                    settings: .init(
                        container: encoding.container, codec: encoding.codec, sampleRate: Int32(preset.sampleRate),
                        channels: channels, bitRate: channels == 1 ? encoding.bitRateMono : encoding.bitRateStereo,
                        metadata: [
                            "title": tags.title, "artist": tags.artist, "album": tags.album, "date": tags.date,
                            "comment": tags.comment,
                        ],
                        chapters: chapters,
                        muxerOptions: encoding.container == "mp3" ? ["id3v2_version": "3"] : ["movflags": "+faststart"],
                        codecOptions: encoding.encoderOptions,
                        coverJPEG: cover))
                outputs.append(Output(encoding: encoding, temporary: temporary, writer: writer, graph: nil))
                let format = av_get_sample_fmt_name(writer.encoder.pointee.sample_fmt).map { String(cString: $0) } ?? "fltp"
                let graph = try FilterGraph(
                    sourceArguments: decoder.bufferArguments,
                    description: [
                        "aresample=\(preset.sampleRate)",
                        String(format: "volume=%.2fdB", gain),
                        String(format: "alimiter=limit=%.4f:level=false:attack=5:release=50", ceiling),
                        "aformat=sample_fmts=\(format):sample_rates=\(preset.sampleRate):channel_layouts=\(channels == 1 ? "mono" : "stereo")",
                    ].joined(separator: ","))
                graph.setFrameSize(writer.frameSize)
                outputs[outputs.count - 1].graph = graph
            }
        } catch {
            removeTemporaries()
            throw error
        }

        // Decode once; each output filters and encodes on a thread of its own
        // (the AAC encoder alone is slower than decoding), and the waveform is
        // drawn here from the same frames, after the same gain.
        var waveform = WaveformBuilder(duration: promised ?? 60)
        let encoders = outputs.map { output in
            EncoderThread(name: "encode-\(output.encoding.name)") { frame throws(MediaError) in
                try output.graph?.push(frame) { filtered throws(MediaError) in try output.writer.encode(filtered) }
                if frame == nil { try output.writer.finish() }
            }
        }
        var failure: MediaError?
        do {
            let waveformGraph = try FilterGraph(
                sourceArguments: decoder.bufferArguments,
                description: String(format: "volume=%.2fdB,", gain) + WaveformBuilder.filter)
            try decoder.decodeAll { frame throws(MediaError) in
                for encoder in encoders { try encoder.send(frame) }
                try waveformGraph.push(frame) { waveform.add($0) }
            }
            try waveformGraph.push(nil) { waveform.add($0) }
        } catch {
            failure = error
        }
        // Every thread is closed, even after a failure, so none is left waiting.
        let encoderFailures = encoders.compactMap { $0.close() }
        if let error = failure ?? encoderFailures.first {
            removeTemporaries()
            throw error
        }

        var files: [EncodedAudio] = []
        for output in outputs {
            let (encoding, temporary) = (output.encoding, output.temporary)
            let written: MediaProbe
            do {
                written = try Prober.probeAs(path: temporary.path, format: encoding)
                try checkComplete(promised: promised, decoded: written.duration)
            } catch {
                removeTemporaries()
                throw error
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: temporary.path)[.size] as? NSNumber)?.int64Value ?? 0
            files.append(
                EncodedAudio(
                    encoding: encoding, temporaryFile: temporary, byteCount: size, duration: written.duration ?? 0,
                    // The stream's own rate: the container's includes the tags and cover.
                    bitRate: written.streams.first { $0.type == "audio" }?.bitRate ?? written.bitRate ?? 0,
                    channels: Int(channels)))
        }
        return PodcastAudioResult(source: measured, gain: gain, files: files, chapters: chapters, waveform: waveform.finish())
    }
}

extension PodcastAudio {
    /// One encoded file being made: its writer and the filter graph in front of it.
    struct Output {
        var encoding: AudioPreset.Encoding
        var temporary: URL
        var writer: AudioFileWriter
        var graph: FilterGraph?
    }

    /// Chapters end where the sound ends; one that starts after it is dropped.
    static func clamped(_ chapters: [MediaProbe.Chapter], to duration: Double?) -> [MediaProbe.Chapter] {
        guard let duration else { return chapters }
        return chapters.compactMap { chapter in
            guard chapter.start < duration else { return nil }
            var chapter = chapter
            chapter.end = min(chapter.end, duration)
            return chapter
        }
    }

    /// A file whose header promises more than decodes (cut off mid-upload,
    /// damaged) is refused rather than published short.
    static func checkComplete(promised: Double?, decoded: Double?) throws(MediaError) {
        guard let promised, let decoded, promised > 0 else { return }
        if decoded < promised - max(1, promised * 0.02) {
            throw .unreadable(
                "the file ends early: it holds \(Int(decoded.rounded())) s of the \(Int(promised.rounded())) s its header promises")
        }
    }
}

extension Prober {
    /// Reads back a file we just wrote.
    static func probeAs(path: String, format: AudioPreset.Encoding) throws(MediaError) -> MediaProbe {
        let sniffed = MediaFormat(name: format.name, mimeType: format.mimeType, fileExtension: format.fileExtension, kind: .audio)
        return try AVProbe.probe(path: path, sniffed: sniffed)
    }
}
