import Foundation

/// What someone typed into the search box, as the words both stores look
/// for: letters and digits only (so no query syntax of SQLite's or
/// PostgreSQL's ever reaches them), at most `maxTerms` of them, every one
/// required, the last one (of three letters or more) also as the start of a
/// longer word.
public struct SearchQuery: Sendable, Equatable {
    public static let maxTerms = 8
    public static let longestTerm = 64

    /// The words, lower case, in the order typed.
    public let terms: [String]
    /// Drafts, scheduled and deleted posts too: the owner's search in the studio.
    public var includesUnpublished: Bool
    public var limit: Int

    public init?(_ text: String, includesUnpublished: Bool = false, limit: Int = 30) {
        let words = text.lowercased()
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            .map { String($0.prefix(Self.longestTerm)) }
        var seen: Set<String> = []
        let terms = words.filter { seen.insert($0).inserted }.prefix(Self.maxTerms)
        guard !terms.isEmpty else { return nil }
        self.terms = Array(terms)
        self.includesUnpublished = includesUnpublished
        self.limit = max(1, min(limit, 100))
    }

    /// Whether the term is also looked for as the start of a word: the last
    /// one typed, if long enough that its completions are not half the language.
    func isPrefix(_ index: Int) -> Bool { index == terms.count - 1 && terms[index].count >= 3 }

    /// An FTS5 query: each term a quoted string (a term holds no quote), the last a prefix too.
    public var fts5: String {
        terms.enumerated().map { index, term in
            isPrefix(index) ? "(\"\(term)\" OR \"\(term)\"*)" : "\"\(term)\""
        }
        .joined(separator: " AND ")
    }

    /// The whole words only, every one required: what the moment in a
    /// transcript is looked for with first (a prefix reads far more of the index).
    public var fts5Words: String { terms.map { "\"\($0)\"" }.joined(separator: " AND ") }

    /// The same terms as an FTS5 query any one of them satisfies: for the
    /// moment in a transcript when no one caption holds every word.
    public var fts5AnyTerm: String {
        terms.enumerated().map { index, term in
            isPrefix(index) ? "\"\(term)\" OR \"\(term)\"*" : "\"\(term)\""
        }
        .joined(separator: " OR ")
    }

    /// `tsquery` with any one term, as `fts5AnyTerm`.
    public var tsqueryAnyTerm: String {
        terms.enumerated().map { index, term in isPrefix(index) ? "\(term) | \(term):*" : term }.joined(separator: " | ")
    }

    /// A PostgreSQL `tsquery` in its own syntax: each term through the
    /// dictionary, the last one also as a prefix (`:*`). Terms hold only
    /// letters and digits, so they need no quoting.
    public var tsquery: String {
        terms.enumerated().map { index, term in
            isPrefix(index) ? "(\(term) | \(term):*)" : term
        }
        .joined(separator: " & ")
    }
}

/// The words a post is found by: its title, its text and its categories,
/// kept beside the post in both stores.
public struct SearchDocument: Sendable, Equatable {
    public var title: String
    public var body: String

    public init(_ post: Post) {
        title = post.strings("name").joined(separator: " ")
        let content = (post.properties["content"] ?? []).compactMap(PostBuilder.contentText)
        let summary = post.strings("summary")
        let categories = post.strings("category")
        let alts = ["photo", "video", "audio"].flatMap { post.properties[$0] ?? [] }.compactMap { $0.objectValue?["alt"]?.stringValue }
        body = (summary + content + alts + categories).map { Self.decodingEntities($0) }.joined(separator: "\n")
    }

    /// The few entities text from HTML keeps, so `&amp;` is not indexed as a word.
    static func decodingEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&nbsp;", with: " ").replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// One post a search found, at its best place: its title or text, or the
/// moment in its transcript where the words were said.
public struct SearchHit: Sendable, Equatable {
    /// Marks around the matched words in `snippet`; private-use characters,
    /// so escaping the snippet for HTML cannot confuse them with markup.
    public static let markStart: Character = "\u{E000}"
    public static let markEnd: Character = "\u{E001}"

    public var post: Post
    /// The matched words in context, with marks.
    public var snippet: String
    /// Where in the recording they were said; nil for a hit in the post's own text.
    public var moment: Double?
    /// The recording whose transcript matched (the store finds the moment in it).
    public var transcriptOf: String?
    /// Lower is better (bm25 in SQLite, negated rank in PostgreSQL); only compared within one search.
    public var rank: Double

    public init(post: Post, snippet: String, moment: Double?, rank: Double, transcriptOf: String? = nil) {
        self.post = post
        self.snippet = snippet
        self.moment = moment
        self.rank = rank
        self.transcriptOf = transcriptOf
    }

    /// The snippet as HTML: escaped, the matched words in `<mark>`.
    public var snippetHTML: String {
        HTML.escape(snippet)
            .replacingOccurrences(of: String(Self.markStart), with: "<mark>")
            .replacingOccurrences(of: String(Self.markEnd), with: "</mark>")
    }

    /// Per post, its best hit, best first; a post's own text wins a tie with its transcript.
    public static func best(_ hits: [SearchHit], limit: Int) -> [SearchHit] {
        var kept: [Int64: SearchHit] = [:]
        var order: [Int64] = []
        for hit in hits.sorted(by: { ($0.rank, $0.transcriptOf == nil ? 0 : 1) < ($1.rank, $1.transcriptOf == nil ? 0 : 1) }) {
            guard let id = hit.post.id, kept[id] == nil else { continue }
            kept[id] = hit
            order.append(id)
        }
        return order.prefix(limit).compactMap { kept[$0] }
    }
}

/// A transcript as the store keeps it for the page, the studio's editor and
/// search: the captions' cues, whose words were made or fixed by the owner.
public struct StoredTranscript: Sendable, Equatable, Codable {
    public var mediaId: String
    public var language: String
    /// The owner changed it: a new transcription of the recording leaves it
    /// alone, unless the owner asks for one.
    public var isEdited: Bool
    public var cues: [CaptionCue]

    public init(mediaId: String, language: String, isEdited: Bool, cues: [CaptionCue]) {
        self.mediaId = mediaId
        self.language = language
        self.isEdited = isEdited
        self.cues = cues
    }
}
