import Foundation

/// The files a transcript is published as, each linked from the feed with
/// `podcast:transcript` and its MIME type.
public enum TranscriptFormat: String, Sendable, CaseIterable, Codable {
    /// WebVTT: captions for the page's players, and for podcast apps.
    case vtt
    /// SubRip, which some apps read instead.
    case srt
    /// The Podcasting 2.0 JSON transcript.
    case json
    /// The words alone, for reading and for search engines.
    case txt

    public var mimeType: String {
        switch self {
        case .vtt: "text/vtt"
        case .srt: "application/x-subrip"
        case .json: "application/json"
        case .txt: "text/plain"
        }
    }

    /// The file's text, made from the captions (and, for plain text, the whole transcript).
    public func render(_ cues: [CaptionCue]) -> String {
        switch self {
        case .vtt: TranscriptWriter.webVTT(cues)
        case .srt: TranscriptWriter.subRip(cues)
        case .json: TranscriptWriter.podcastJSON(cues)
        case .txt: TranscriptWriter.plainText(cues)
        }
    }
}

/// Writes and reads the transcript formats. Pure.
public enum TranscriptWriter {
    public static func webVTT(_ cues: [CaptionCue]) -> String {
        var text = "WEBVTT\n"
        for cue in cues {
            text += "\n\(timestamp(cue.start, separator: ".")) --> \(timestamp(cue.end, separator: "."))\n"
            text += cue.lines.map(escapeVTT).joined(separator: "\n") + "\n"
        }
        return text
    }

    public static func subRip(_ cues: [CaptionCue]) -> String {
        cues.enumerated().map { index, cue in
            "\(index + 1)\n\(timestamp(cue.start, separator: ",")) --> \(timestamp(cue.end, separator: ","))\n\(cue.lines.joined(separator: "\n"))\n"
        }
        .joined(separator: "\n")
    }

    /// `{"version": "1.0.0", "segments": [{"startTime", "endTime", "body"}]}`, one segment a cue.
    public static func podcastJSON(_ cues: [CaptionCue]) -> String {
        let segments: [JSONValue] = cues.map { cue in
            .object(["startTime": .number(rounded(cue.start)), "endTime": .number(rounded(cue.end)), "body": .string(cue.text)])
        }
        let document = JSONValue.object(["version": .string("1.0.0"), "segments": .array(segments)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// Sentences run together into paragraphs, a new one after a pause of two seconds or more.
    public static func plainText(_ cues: [CaptionCue]) -> String {
        var paragraphs: [[String]] = []
        var previousEnd = -Double.infinity
        for cue in cues {
            if cue.start - previousEnd >= 2 || paragraphs.isEmpty { paragraphs.append([]) }
            paragraphs[paragraphs.count - 1].append(cue.text)
            previousEnd = cue.end
        }
        return paragraphs.map { $0.joined(separator: " ") }.joined(separator: "\n\n") + "\n"
    }

    /// Reads a WebVTT file's cues (an uploaded caption file, or the owner's
    /// edit): timings and text, voice tags and other markup taken out.
    public static func readWebVTT(_ text: String) -> [CaptionCue] {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var cues: [CaptionCue] = []
        for block in normalised.components(separatedBy: "\n\n") {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            guard let timing = lines.firstIndex(where: { $0.contains("-->") }) else { continue }
            let ends = lines[timing].components(separatedBy: "-->")
            guard ends.count == 2, let start = seconds(ends[0]),
                let end = seconds(ends[1].trimmingCharacters(in: .whitespaces).components(separatedBy: " ").first ?? "")
            else { continue }
            let body = lines[(timing + 1)...].map(stripTags).filter { !$0.isEmpty }
            guard !body.isEmpty else { continue }
            cues.append(CaptionCue(start: start, end: end, lines: body))
        }
        return cues
    }

    /// `HH:MM:SS.mmm` (or `MM:SS.mmm`) as seconds.
    static func seconds(_ text: String) -> Double? {
        let parts = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".").split(separator: ":")
        guard (2...3).contains(parts.count) else { return nil }
        var total = 0.0
        for part in parts {
            guard let value = Double(part), value >= 0 else { return nil }
            total = total * 60 + value
        }
        return total
    }

    static func timestamp(_ seconds: Double, separator: String) -> String {
        let milliseconds = Int((max(0, seconds) * 1000).rounded())
        let (hours, rest) = milliseconds.quotientAndRemainder(dividingBy: 3_600_000)
        let (minutes, rest2) = rest.quotientAndRemainder(dividingBy: 60_000)
        let (whole, fraction) = rest2.quotientAndRemainder(dividingBy: 1000)
        return String(format: "%02d:%02d:%02d%@%03d", hours, minutes, whole, separator, fraction)
    }

    static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// WebVTT cue text is HTML-like: `&`, `<` and `>` are escaped.
    static func escapeVTT(_ line: String) -> String {
        line.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func stripTags(_ line: String) -> String {
        var text = ""
        var inTag = false
        for character in line {
            if character == "<" {
                inTag = true
            } else if character == ">" {
                inTag = false
            } else if !inTag {
                text.append(character)
            }
        }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&nbsp;", with: " ").replacingOccurrences(of: "&amp;", with: "&")
            .trimmingCharacters(in: .whitespaces)
    }
}
