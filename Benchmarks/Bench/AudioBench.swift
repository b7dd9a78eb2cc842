// A long speech recording made podcast-ready in-process, side by side with
// what a user would otherwise run with the ffmpeg command line, in one run:
// two-pass `loudnorm` making the same files at the same target, and a plain
// MP3 encode.
import Foundation
import MediaKit
import MediaModel

func audioBenchmark(minutes: Int) throws {
    let folder = scratchFolder("audio")
    defer { try? FileManager.default.removeItem(at: folder) }

    // About a minute of real speech from espeak-ng, looped to the length asked for.
    let minute = folder.appendingPathComponent("minute.wav")
    let sentence = "Welcome back to the show. Today we look at publishing audio on your own website, and at the feeds every podcast app reads. "
    shell(["espeak-ng", "-s", "160", "-w", minute.path, String(repeating: sentence, count: 9)])
    let source = folder.appendingPathComponent("speech.wav")
    shell(["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", minute.path, "-t", "\(minutes * 60)", "-ar", "44100", "-ac", "1", source.path])
    let duration = Double(minutes * 60)

    let presets = try Presets.load(from: repository.appendingPathComponent("Presets"))
    let preset = presets.audio
    let target = preset.loudness.monoLufs
    let peak = preset.loudness.truePeakDbtp
    let outputs = preset.encodings.map { "\($0.bitRateMono / 1000) kb/s \($0.name.uppercased())" }.joined(separator: " + ")
    print("audio: \(minutes) min mono speech (WAV, 44.1 kHz) → \(outputs) at \(Int(target)) LUFS, \(peak) dBTP")

    // Every output of the preset, with its waveform and chapters, as an episode gets them.
    var ours: PodcastAudioResult?
    let oursTime = try seconds { ours = try PodcastAudio.make(from: source.path, into: folder, preset: preset, tags: AudioTags(title: "Bench")) }

    // What a user runs for the same files: loudnorm's measuring pass, then one
    // command that normalises once and encodes every output with the same
    // encoders, bit rates and encoder options.
    func outputArguments(_ encoding: AudioPreset.Encoding, label: String, file: URL) -> [String] {
        var arguments = ["-map", "[\(label)]", "-ar", "\(preset.sampleRate)", "-c:a", encoding.codec, "-b:a", "\(encoding.bitRateMono / 1000)k"]
        for option in (encoding.codecOptions ?? "").split(separator: ":") {
            let pair = option.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { arguments += ["-\(pair[0])", String(pair[1])] }
        }
        return arguments + [file.path]
    }
    var theirFiles: [URL] = []
    let loudnormTime = seconds {
        let report = shellErrors([
            "ffmpeg", "-hide_banner", "-nostats", "-i", source.path,
            "-af", "loudnorm=I=\(target):TP=\(peak):LRA=11:print_format=json", "-f", "null", "-",
        ])
        let json = String(report[report.range(of: "{", options: .backwards)!.lowerBound...])
        let measured = try! JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: String]
        let labels = preset.encodings.indices.map { "out\($0)" }
        let filter =
            "[0:a]loudnorm=I=\(target):TP=\(peak):LRA=11:measured_I=\(measured["input_i"]!):measured_TP=\(measured["input_tp"]!):measured_LRA=\(measured["input_lra"]!):measured_thresh=\(measured["input_thresh"]!):offset=\(measured["target_offset"]!):linear=true,asplit=\(labels.count)"
            + labels.map { "[\($0)]" }.joined()
        var arguments = ["ffmpeg", "-v", "error", "-y", "-i", source.path, "-filter_complex", filter]
        for (index, encoding) in preset.encodings.enumerated() {
            let file = folder.appendingPathComponent("loudnorm.\(encoding.fileExtension)")
            theirFiles.append(file)
            arguments += outputArguments(encoding, label: labels[index], file: file)
        }
        shell(arguments)
    }
    let mp3 = preset.encodings.first { $0.container == "mp3" }!
    let plainOut = folder.appendingPathComponent("plain.mp3")
    let plainTime = seconds {
        shell([
            "ffmpeg", "-v", "error", "-y", "-i", source.path, "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "\(mp3.bitRateMono / 1000)k",
            plainOut.path,
        ])
    }

    func loudness(_ file: URL) -> (Double, Double) {
        let report = shellErrors(["ffmpeg", "-hide_banner", "-nostats", "-i", file.path, "-af", "ebur128=peak=true", "-f", "null", "-"])
        let summary = report.components(separatedBy: "Summary:").last ?? ""
        func value(_ label: String) -> Double {
            let after = summary[summary.range(of: label)!.upperBound...].trimmingCharacters(in: .whitespaces)
            return Double(after.prefix { "-0123456789.".contains($0) }) ?? .nan
        }
        return (value("I:"), value("Peak:"))
    }
    func describe(_ files: [URL]) -> String {
        zip(preset.encodings, files).map { encoding, file in
            let (integrated, truePeak) = loudness(file)
            return String(format: "%@ %.1f LUFS %.1f dBTP", encoding.name, integrated, truePeak)
        }.joined(separator: ", ")
    }
    func row(_ name: String, _ time: Double, _ extra: String = "") {
        print(
            String(format: "%@ %7.2f s  %6.0f× real time   %@", name.padding(toLength: 40, withPad: " ", startingAt: 0), time, duration / time, extra)
        )
    }
    row("in-process, every output + waveform", oursTime, describe(ours!.files.map(\.temporaryFile)))
    row("ffmpeg two-pass loudnorm, every output", loudnormTime, describe(theirFiles))
    row("ffmpeg plain MP3 (no loudness)", plainTime)
    print(
        String(
            format: "ratio in-process / two-pass loudnorm: %.2f (goal ≤ 0.5); %.2f× the time of a plain MP3 encode",
            oursTime / loudnormTime,
            oursTime / plainTime
        )
    )
}
