import Foundation

/// One caption: a stretch of time and the one or two short lines shown for it.
public struct CaptionCue: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var lines: [String]

    public init(start: Double, end: Double, lines: [String]) {
        self.start = start
        self.end = end
        self.lines = lines
    }

    public var text: String { lines.joined(separator: " ") }
}

/// Cuts a transcript into captions as broadcasters' guidelines have them:
/// at most two lines of about 42 characters, no cue on screen longer than
/// 7 seconds, and a sentence's end ending its cue (a new sentence starts a
/// new caption) unless that cue would be a flash of a word or two.
public enum Captions {
    public static let longestCue = 7.0
    public static let longestLine = 42
    public static let linesPerCue = 2
    /// A cue shorter than this (in time and in characters) runs on past a sentence's end.
    static let briefCue = (seconds: 1.2, characters: 16)

    public static func cues(_ transcript: Transcript) -> [CaptionCue] {
        var cues: [CaptionCue] = []
        var words: [Transcript.Word] = []

        func close() {
            guard let first = words.first, let last = words.last else { return }
            let text = words.map(\.text).joined(separator: " ")
            let end = min(max(last.end, first.start), first.start + longestCue)
            cues.append(CaptionCue(start: first.start, end: end, lines: lines(text)))
            words = []
        }

        for word in transcript.timedWords {
            if let first = words.first {
                let text = (words.map(\.text) + [word.text]).joined(separator: " ")
                if split(text) == nil || word.end - first.start > longestCue { close() }
            }
            words.append(word)
            if endsSentence(word.text), let first = words.first {
                let brief = word.end - first.start < briefCue.seconds && words.map(\.text).joined(separator: " ").count < briefCue.characters
                if !brief { close() }
            }
        }
        close()
        return cues
    }

    /// One line if it fits, else two lines as even as they can be (each at
    /// most `longestLine`, when the text can be split so).
    public static func lines(_ text: String) -> [String] {
        split(text) ?? [text]
    }

    /// The text as at most two lines of at most `longestLine` characters,
    /// broken at the space that makes the longer line shortest; nil if no
    /// break makes both fit.
    static func split(_ text: String) -> [String]? {
        guard text.count > longestLine else { return [text] }
        var best: (longer: Int, at: String.Index)?
        var offset = 0
        for index in text.indices {
            defer { offset += 1 }
            guard text[index] == " " else { continue }
            let longer = max(offset, text.count - offset - 1)
            if longer <= longestLine, longer < best?.longer ?? .max { best = (longer, index) }
        }
        guard let at = best?.at else { return nil }
        return [String(text[..<at]), String(text[text.index(after: at)...])]
    }

    static func endsSentence(_ word: String) -> Bool {
        let trimmed = word.trimmingCharacters(in: CharacterSet(charactersIn: "\"'”’)]"))
        guard let last = trimmed.last else { return false }
        return ".?!…".contains(last)
    }
}
