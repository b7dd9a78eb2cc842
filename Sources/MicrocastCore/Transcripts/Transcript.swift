import Foundation

/// What was said in an episode or video, with when: the speech recogniser's
/// segments and, where it gives them, each word's times. Everything the site
/// publishes about it (captions, the feed's transcript files, the page's
/// transcript) is made from this.
public struct Transcript: Sendable, Equatable, Codable {
    /// A BCP 47 language tag (`en`), as the recogniser detected it or the show set it.
    public var language: String
    public var segments: [Segment]

    /// A stretch of speech as the recogniser heard it (a phrase or a sentence).
    public struct Segment: Sendable, Equatable, Codable {
        public var start: Double
        public var end: Double
        public var text: String
        /// Empty when the recogniser gave no word times.
        public var words: [Word]

        public init(start: Double, end: Double, text: String, words: [Word] = []) {
            self.start = start
            self.end = end
            self.text = text
            self.words = words
        }
    }

    /// One word and when it was said.
    public struct Word: Sendable, Equatable, Codable {
        public var start: Double
        public var end: Double
        public var text: String

        public init(start: Double, end: Double, text: String) {
            self.start = start
            self.end = end
            self.text = text
        }
    }

    public init(language: String, segments: [Segment]) {
        self.language = language
        self.segments = segments
    }

    /// Every word in order with its times; a segment without word times is
    /// spread evenly over its span (by characters), so cues can still be cut inside it.
    public var timedWords: [Word] {
        segments.flatMap { segment -> [Word] in
            let given = segment.words.map { Word(start: $0.start, end: $0.end, text: $0.text.trimmingCharacters(in: .whitespaces)) }
                .filter { !$0.text.isEmpty }
            if !given.isEmpty { return given }
            let words = segment.text.split(whereSeparator: \.isWhitespace).map(String.init)
            let characters = Double(max(1, words.reduce(0) { $0 + $1.count }))
            let span = max(0, segment.end - segment.start)
            var at = segment.start
            return words.map { word in
                let length = span * Double(word.count) / characters
                defer { at += length }
                return Word(start: at, end: at + length, text: word)
            }
        }
    }

    /// The words as running text, one paragraph per segment.
    public var plainText: String {
        segments.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: "\n\n") + "\n"
    }
}
