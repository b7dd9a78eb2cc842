import MediaEngine
import MediaModel

/// Decodes the recording once; each output filters and encodes on a thread
/// of its own (the AAC encoder alone is slower than decoding), and the
/// waveform's peaks are read here from the same frames, after the same gain.
enum EncodeOutputs {
    static func run(
        _ decoder: AudioDecoder,
        outputs: [PodcastAudio.Output],
        gain: Double,
        waveform: inout WaveformBuilder,
        control: JobControl
    ) throws(MediaError) {
        let encoders = outputs.map { output in
            EncoderThread(name: "encode-\(output.encoding.name)") { frame throws(MediaError) in
                try output.graph?.push(frame) { filtered throws(MediaError) in try output.writer.encode(filtered) }
                if frame == nil { try output.writer.finish() }
            }
        }
        var failure: MediaError?
        // Progress is the sound decoded of what the recording promises.
        let expected = max(1, (decoder.duration ?? 0) * Double(decoder.sampleRate))
        var decoded = 0.0
        do throws(MediaError) {
            let waveformGraph = try FilterGraph(
                sourceArguments: decoder.frameDescription,
                description: String(format: "volume=%.2fdB,", gain) + WaveformBuilder.filter
            )
            try decoder.decodeAll { frame throws(MediaError) in
                if control.shouldStop { try control.check("encoding the rest of the episode") }
                decoded += Double(frame.sampleCount)
                control.report(decoded / expected)
                for encoder in encoders { try encoder.send(frame) }
                try waveformGraph.push(frame) { waveform.add($0) }
            }
            try waveformGraph.push(nil) { waveform.add($0) }
        } catch {
            failure = error
        }
        // Every thread is closed, even after a failure, so none is left waiting.
        let encoderFailures = encoders.compactMap { $0.close() }
        if let error = failure ?? encoderFailures.first { throw error }
    }
}
