import Foundation

/// A post as a copy's text is made from it: the words, the title, the
/// permalink, the categories, and a line saying what did not fit.
public struct CopySource: Sendable, Equatable {
    public var title: String?
    /// Plain text, paragraphs apart by a blank line.
    public var text: String
    public var permalink: String
    public var tags: [String]
    /// Said after the text when media did not all fit ("4 of 7 photos: all at the link").
    public var note: String?

    public init(title: String? = nil, text: String, permalink: String, tags: [String] = [], note: String? = nil) {
        self.title = title
        self.text = text
        self.permalink = permalink
        self.tags = tags
        self.note = note
    }
}

/// A span of a Bluesky post's text that links somewhere, in UTF-8 byte
/// offsets (the `app.bsky.richtext.facet` lexicon's unit), end exclusive.
public struct TextFacet: Sendable, Equatable {
    /// What the span does.
    public enum Feature: Sendable, Equatable {
        case link(String)
        /// Without its `#`.
        case tag(String)
        /// A handle, without its `@`; the network wants the DID it resolves to.
        case mention(String)
    }

    public var byteStart: Int
    public var byteEnd: Int
    public var feature: Feature

    public init(byteStart: Int, byteEnd: Int, feature: Feature) {
        self.byteStart = byteStart
        self.byteEnd = byteEnd
        self.feature = feature
    }
}

/// A copy's text, fitted to its network.
public struct FittedText: Sendable, Equatable {
    public var text: String
    /// Links, hashtags and mentions (for Bluesky; Mastodon finds its own).
    public var facets: [TextFacet]
    /// Whether the post's words were shortened to fit.
    public var shortened: Bool
}

/// Fits a post's text to a network's limit: whole if it fits; otherwise the
/// words are cut at a space (never inside a word or a link) and end in "…",
/// and the permalink always stays, so a reader can find the rest.
public enum CopyText {
    public static func fit(_ source: CopySource, limits: NetworkLimits) -> FittedText {
        let tags = hashtags(source.tags, skipping: (source.title ?? "") + " " + source.text)
        var body = source.text.trimmingCharacters(in: .whitespacesAndNewlines)
        var title = source.title?.trimmingCharacters(in: .whitespacesAndNewlines)
        var tagLine = tags.joined(separator: " ")
        var note = source.note
        func compose() -> String {
            [title, body, note, tagLine, source.permalink].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n\n")
        }
        func fits() -> Bool { fitsLimits(compose(), limits) }
        if fits() { return finish(compose(), shortened: false) }

        // Shorten the words first; then give up, in turn, the hashtags, the note and the title's end.
        let fullBody = body
        for step in 0..<3 {
            if let cut = longestPrefix(
                of: fullBody,
                fitting: { candidate in
                    body = candidate
                    return fits()
                }
            ) {
                body = cut
                return finish(compose(), shortened: true)
            }
            body = ""
            if fits() { return finish(compose(), shortened: !fullBody.isEmpty) }
            switch step {
            case 0: tagLine = ""
            case 1: note = nil
            default: break
            }
        }
        if let fullTitle = title,
            let cut = longestPrefix(
                of: fullTitle,
                fitting: { candidate in
                    title = candidate
                    return fits()
                }
            )
        {
            title = cut
        } else {
            title = nil
        }
        return finish(compose(), shortened: true)
    }

    /// The longest start of `text` that ends at a space, followed by "…",
    /// that `fits` accepts; nil if none does.
    static func longestPrefix(of text: String, fitting fits: (String) -> Bool) -> String? {
        // Cut points: before each run of white space (so no word or link is split).
        var cuts: [String.Index] = []
        var index = text.startIndex
        var previousWasSpace = true
        while index < text.endIndex {
            let isSpace = text[index].isWhitespace
            if isSpace && !previousWasSpace { cuts.append(index) }
            previousWasSpace = isSpace
            index = text.index(after: index)
        }
        func candidate(_ cut: String.Index) -> String {
            var start = String(text[..<cut])
            while let last = start.last, ",;:–—-".contains(last) || last.isWhitespace { start.removeLast() }
            return start + "…"
        }
        // Longer cuts cost more: search for the last one that fits.
        var low = 0
        var high = cuts.count - 1
        var best: String?
        while low <= high {
            let middle = (low + high) / 2
            let made = candidate(cuts[middle])
            if fits(made) {
                best = made
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return best
    }

    static func finish(_ text: String, shortened: Bool) -> FittedText {
        FittedText(text: text, facets: facets(in: text), shortened: shortened)
    }

    /// Whether `text` is within the network's limits, counted as it counts.
    public static func fitsLimits(_ text: String, _ limits: NetworkLimits) -> Bool {
        if let bytes = limits.maxTextBytes, text.utf8.count > bytes { return false }
        return length(text, charactersPerURL: limits.charactersPerURL) <= limits.maxCharacters
    }

    /// Grapheme clusters, with each link counted as `charactersPerURL` when the
    /// network counts links that way (Mastodon: 23, whatever their length).
    public static func length(_ text: String, charactersPerURL: Int?) -> Int {
        guard let perURL = charactersPerURL else { return text.count }
        var total = text.count
        for link in links(in: text) {
            total += perURL - text[link.range].count
        }
        return total
    }

    /// `#Hashtags` for categories: words run together in title case
    /// ("tea time" → "#TeaTime"), letters, digits and underscores only; a
    /// tag already in the text is not repeated.
    public static func hashtags(_ categories: [String], skipping text: String) -> [String] {
        let present = Set(
            facets(in: text).compactMap { facet -> String? in
                if case .tag(let tag) = facet.feature { tag.lowercased() } else { nil }
            }
        )
        var seen = present
        var made: [String] = []
        for category in categories {
            let words = category.split { !($0.isLetter || $0.isNumber || $0 == "_") }
            let tag = words.count > 1 ? words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() : words.first.map(String.init) ?? ""
            guard !tag.isEmpty, tag.contains(where: { !$0.isNumber }), tag.count <= 64, !seen.contains(tag.lowercased()) else { continue }
            seen.insert(tag.lowercased())
            made.append("#" + tag)
        }
        return made
    }

    /// A link found in text: where it is, and the URL.
    struct FoundLink {
        var range: Range<String.Index>
        var url: String
    }

    /// http(s) URLs, without the punctuation that ends a sentence after them.
    static func links(in text: String) -> [FoundLink] {
        var found: [FoundLink] = []
        var searchFrom = text.startIndex
        while let scheme = text.range(of: "http", options: [.caseInsensitive], range: searchFrom..<text.endIndex) {
            searchFrom = scheme.upperBound
            let before = scheme.lowerBound == text.startIndex ? nil : text[text.index(before: scheme.lowerBound)]
            guard before.map({ $0.isWhitespace || "(<\"'".contains($0) }) ?? true else { continue }
            var end = scheme.lowerBound
            while end < text.endIndex, !text[end].isWhitespace { end = text.index(after: end) }
            var candidate = text[scheme.lowerBound..<end]
            while let last = candidate.last, ".,;:!?)\"'>…".contains(last) {
                // A closing parenthesis that the URL itself opened belongs to it (Wikipedia's links).
                if last == ")" && candidate.filter({ $0 == "(" }).count >= candidate.filter({ $0 == ")" }).count { break }
                candidate = candidate.dropLast()
            }
            let lower = candidate.lowercased()
            guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), candidate.count > 8,
                let url = URL(string: String(candidate)), url.host?.isEmpty == false
            else { continue }
            found.append(FoundLink(range: candidate.startIndex..<candidate.endIndex, url: String(candidate)))
            searchFrom = candidate.endIndex
        }
        return found
    }

    /// Links, `#hashtags` and `@handle.example` mentions, at their UTF-8 byte offsets.
    public static func facets(in text: String) -> [TextFacet] {
        func bytes(_ index: String.Index) -> Int { text.utf8.distance(from: text.utf8.startIndex, to: index) }
        var facets = links(in: text).map {
            TextFacet(byteStart: bytes($0.range.lowerBound), byteEnd: bytes($0.range.upperBound), feature: .link($0.url))
        }
        let linked = facets.map { $0.byteStart..<$0.byteEnd }
        var index = text.startIndex
        var previous: Character?
        while index < text.endIndex {
            let character = text[index]
            let atStart = previous.map { $0.isWhitespace || $0 == "(" } ?? true
            if atStart, character == "#" || character == "@" {
                var end = text.index(after: index)
                while end < text.endIndex, !text[end].isWhitespace { end = text.index(after: end) }
                var word = text[text.index(after: index)..<end]
                while let last = word.last, ".,;:!?)\"'…".contains(last) { word = word.dropLast() }
                let range = bytes(index)..<bytes(word.endIndex)
                if !word.isEmpty, !linked.contains(where: { $0.overlaps(range) }) {
                    if character == "#", word.count <= 64, word.contains(where: { !$0.isNumber }),
                        word.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
                    {
                        facets.append(TextFacet(byteStart: range.lowerBound, byteEnd: range.upperBound, feature: .tag(String(word))))
                    } else if character == "@", isHandle(word) {
                        facets.append(TextFacet(byteStart: range.lowerBound, byteEnd: range.upperBound, feature: .mention(String(word))))
                    }
                }
            }
            previous = character
            index = text.index(after: index)
        }
        return facets.sorted { $0.byteStart < $1.byteStart }
    }

    /// An AT Protocol handle: dot-separated labels of ASCII letters, digits
    /// and hyphens, the last not starting with a digit.
    static func isHandle(_ word: Substring) -> Bool {
        let labels = word.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, word.count <= 253 else { return false }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
                label.first != "-", label.last != "-"
            else { return false }
        }
        return labels.last?.first?.isLetter == true
    }
}
