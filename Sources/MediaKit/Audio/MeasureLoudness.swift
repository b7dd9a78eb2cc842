import Foundation
import MediaEngine
import MediaModel

/// A recording's loudness as EBU R128 measures it.
public struct Loudness: Sendable, Equatable, Codable {
    /// Integrated loudness, LUFS.
    public var integrated: Double
    /// The highest true peak, dBTP.
    public var truePeak: Double
}

/// Measures loudness with libavfilter's `ebur128` (true peak on), in one
/// decoding pass. About 230× real time per core on this machine, against about
/// 40× for the first pass of `loudnorm`: see docs/benchmarks.md.
enum MeasureLoudness {
    static func run(_ decoder: AudioDecoder) throws(MediaError) -> Loudness {
        let graph = try FilterGraph(sourceArguments: decoder.frameDescription, description: "ebur128=peak=true:metadata=1")
        var integrated: Double?
        var truePeak: Double?
        var samples = 0
        func read(_ frame: Frame) {
            samples += frame.sampleCount
            // Each frame carries the running figures; the last one carries the whole recording's.
            if let value = frame.metadata("lavfi.r128.I").flatMap(Double.init) { integrated = value }
            if let linear = frame.metadata("lavfi.r128.true_peak").flatMap(Double.init) {
                truePeak = linear > 0 ? 20 * log10(linear) : -144
            }
        }
        try decoder.decodeAll { frame throws(MediaError) in try graph.push(frame) { read($0) } }
        try graph.push(nil) { read($0) }
        guard samples > 0 else { throw .unreadable("the audio stream is empty") }
        return Loudness(integrated: integrated ?? -70, truePeak: truePeak ?? -144)
    }
}
