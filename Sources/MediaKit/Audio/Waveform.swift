import Foundation
import MediaEngine
import MediaModel

/// A waveform summary for players, in the JSON format of BBC's audiowaveform
/// (which peaks.js and similar players read): min/max pairs of 8-bit values,
/// one pair per `samplesPerPixel` samples of 8 kHz mono.
public struct Waveform: Codable, Sendable, Equatable {
    public var version = 2
    public var channels = 1
    public var sampleRate: Int
    public var samplesPerPixel: Int
    public var bits = 8
    public var length: Int
    public var data: [Int]

    enum CodingKeys: String, CodingKey {
        case version, channels, bits, length, data
        case sampleRate = "sample_rate"
        case samplesPerPixel = "samples_per_pixel"
    }
}

/// Accumulates min/max pairs from float samples as they stream past.
struct WaveformBuilder {
    static let sampleRate = 8000
    /// The filter that feeds it: 8 kHz mono floats.
    static let filter = "aresample=\(sampleRate),aformat=sample_fmts=flt:channel_layouts=mono"

    let samplesPerPixel: Int
    private var low: Float = 0
    private var high: Float = 0
    private var count = 0
    private var data: [Int] = []

    /// About `pixels` pairs for a recording of `duration` seconds.
    init(duration: Double, pixels: Int = 1800) {
        samplesPerPixel = max(1, Int(duration * Double(Self.sampleRate)) / pixels)
    }

    mutating func add(_ frame: Frame) {
        frame.withFloatSamples { samples in
            for value in samples { add(value) }
        }
    }

    mutating func add(_ value: Float) {
        low = min(low, value)
        high = max(high, value)
        count += 1
        if count == samplesPerPixel { flush() }
    }

    private mutating func flush() {
        data.append(Int((max(-1, low) * 127).rounded()))
        data.append(Int((min(1, high) * 127).rounded()))
        low = 0
        high = 0
        count = 0
    }

    mutating func finish() -> Waveform {
        if count > 0 { flush() }
        return Waveform(sampleRate: Self.sampleRate, samplesPerPixel: samplesPerPixel, length: data.count / 2, data: data)
    }
}
