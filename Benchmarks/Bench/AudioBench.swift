// A long speech recording made podcast-ready in-process, side by side with
// what a user would otherwise run with the ffmpeg command line, in one run:
// two-pass `loudnorm` + MP3 at the same target, and a plain MP3 encode.
import Foundation
import MediaKit

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
    var mp3Only = presets.audio
    mp3Only.encodings = mp3Only.encodings.filter { $0.container == "mp3" }
    let target = mp3Only.loudness.monoLufs
    let peak = mp3Only.loudness.truePeakDbtp
    let bitRate = mp3Only.encodings[0].bitRateMono
    print("audio: \(minutes) min mono speech (WAV, 44.1 kHz) → \(bitRate / 1000) kb/s MP3 at \(Int(target)) LUFS, \(peak) dBTP")

    var ours: PodcastAudioResult?
    let oursTime = try seconds { ours = try PodcastAudio.make(from: source.path, into: folder, preset: mp3Only, tags: AudioTags(title: "Bench")) }
    let oursFile = ours!.files[0].temporaryFile
    var both: PodcastAudioResult?
    let bothTime = try seconds { both = try PodcastAudio.make(from: source.path, into: folder, preset: presets.audio, tags: AudioTags(title: "Bench")) }

    let loudnormOut = folder.appendingPathComponent("loudnorm.mp3")
    let loudnormTime = seconds {
        let report = shellErrors([
            "ffmpeg", "-hide_banner", "-nostats", "-i", source.path,
            "-af", "loudnorm=I=\(target):TP=\(peak):LRA=11:print_format=json", "-f", "null", "-",
        ])
        let json = String(report[report.range(of: "{", options: .backwards)!.lowerBound...])
        let measured = try! JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: String]
        shell([
            "ffmpeg", "-v", "error", "-y", "-i", source.path, "-af",
            "loudnorm=I=\(target):TP=\(peak):LRA=11:measured_I=\(measured["input_i"]!):measured_TP=\(measured["input_tp"]!):measured_LRA=\(measured["input_lra"]!):measured_thresh=\(measured["input_thresh"]!):offset=\(measured["target_offset"]!):linear=true",
            "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "\(bitRate / 1000)k", loudnormOut.path,
        ])
    }
    let plainOut = folder.appendingPathComponent("plain.mp3")
    let plainTime = seconds {
        shell(["ffmpeg", "-v", "error", "-y", "-i", source.path, "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "\(bitRate / 1000)k", plainOut.path])
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
    let (oursI, oursTP) = loudness(oursFile)
    let (theirsI, theirsTP) = loudness(loudnormOut)
    func row(_ name: String, _ time: Double, _ extra: String = "") {
        print(String(format: "%@ %7.2f s  %6.0f× real time%@", name.padding(toLength: 34, withPad: " ", startingAt: 0), time, duration / time, extra))
    }
    row("in-process, measure + MP3", oursTime, String(format: "   %.1f LUFS, %.1f dBTP", oursI, oursTP))
    row("in-process, measure + MP3 + M4A", bothTime)
    row("ffmpeg two-pass loudnorm + MP3", loudnormTime, String(format: "   %.1f LUFS, %.1f dBTP", theirsI, theirsTP))
    row("ffmpeg plain MP3 (no loudness)", plainTime)
    print(String(format: "ratios: %.1f× faster than two-pass loudnorm; %.2f× the time of a plain encode", loudnormTime / oursTime, oursTime / plainTime))
    _ = both
}
