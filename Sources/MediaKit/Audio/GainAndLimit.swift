import Foundation
import MediaEngine
import MediaModel

/// Plans every output of an episode: the gain that brings the measured
/// loudness to the preset's target (at most +24 dB, so noise is not made
/// loud), a peak limiter below the true-peak target, and one filter graph and
/// file writer per encoding. The limiter's ceiling sits a decibel under the
/// target: it limits sample peaks, and inter-sample peaks and lossy encoding
/// add up to about that.
enum GainAndLimit {
    static let limiterMargin = 1.0
    static let maxGain = 24.0

    /// The gain in dB, and the limiter's linear ceiling.
    static func levels(measured: Loudness, channels: Int, preset: AudioPreset) -> (gain: Double, ceiling: Double) {
        let target = channels == 1 ? preset.loudness.monoLufs : preset.loudness.stereoLufs
        return (min(maxGain, target - measured.integrated), pow(10, (preset.loudness.truePeakDbtp - limiterMargin) / 20))
    }

    /// The filters from decoded frames to one encoder's input.
    static func filters(gain: Double, ceiling: Double, sampleRate: Int, sampleFormat: String, channels: Int) -> String {
        [
            "aresample=\(sampleRate)",
            String(format: "volume=%.2fdB", gain),
            String(format: "alimiter=limit=%.4f:level=false:attack=5:release=50", ceiling),
            "aformat=sample_fmts=\(sampleFormat):sample_rates=\(sampleRate):channel_layouts=\(channels == 1 ? "mono" : "stereo")",
        ].joined(separator: ",")
    }

    /// Opens a writer and its filter graph for each encoding, under temporary names in `folder`.
    static func outputs(
        preset: AudioPreset,
        decoder: AudioDecoder,
        gain: Double,
        ceiling: Double,
        channels: Int,
        tags: AudioTags,
        chapters: [MediaProbe.Chapter],
        cover: Data?,
        folder: URL
    ) throws(MediaError) -> [PodcastAudio.Output] {
        var outputs: [PodcastAudio.Output] = []
        do throws(MediaError) {
            for encoding in preset.encodings {
                let temporary = folder.appendingPathComponent(TemporaryName.make(".\(encoding.fileExtension)", extension: "tmp"))
                let writer = try AudioFileWriter(
                    temporaryPath: temporary.path,
                    settings: .init(
                        container: encoding.container,
                        codec: encoding.codec,
                        sampleRate: preset.sampleRate,
                        channels: channels,
                        bitRate: channels == 1 ? encoding.bitRateMono : encoding.bitRateStereo,
                        metadata: [
                            "title": tags.title, "artist": tags.artist, "album": tags.album, "date": tags.date, "comment": tags.comment,
                        ],
                        chapters: chapters,
                        muxerOptions: encoding.container == "mp3" ? ["id3v2_version": "3"] : ["movflags": "+faststart"],
                        codecOptions: encoding.encoderOptions,
                        coverJPEG: cover
                    )
                )
                outputs.append(PodcastAudio.Output(encoding: encoding, temporary: temporary, writer: writer, graph: nil))
                let graph = try FilterGraph(
                    sourceArguments: decoder.frameDescription,
                    description: filters(
                        gain: gain,
                        ceiling: ceiling,
                        sampleRate: preset.sampleRate,
                        sampleFormat: writer.sampleFormat,
                        channels: channels
                    )
                )
                graph.setFrameSize(writer.frameSize)
                outputs[outputs.count - 1].graph = graph
            }
        } catch {
            for output in outputs { try? FileManager.default.removeItem(at: output.temporary) }
            throw error
        }
        return outputs
    }
}
