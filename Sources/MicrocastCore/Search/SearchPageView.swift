import Foundation

/// What the search page (the site's, or the studio's) shows for a query.
public struct SearchPageView: Sendable {
    public var query: String
    public var results: [Result]
    public var hasResults: Bool
    /// Said when there is nothing to list: no words typed, or nothing found.
    public var message: String
    public var action: String

    /// One post found, at its best place.
    public struct Result: Sendable {
        public var title: String
        /// The post, or with `?t=SECONDS` the moment the words were said.
        public var url: String
        public var date: String
        public var dateISO: String
        public var snippetHTML: String
        /// "Said at 12:30" for a hit in the transcript.
        public var moment: String
        public var hasMoment: Bool
        /// The post's state for the owner ("draft", "scheduled"); empty when published.
        public var status: String
    }

    public static func make(text: String, hits: [SearchHit]?, action: String, links: (Post) -> String) -> SearchPageView {
        let results = (hits ?? []).map { hit in
            let document = SearchDocument(hit.post)
            let title = document.title.isEmpty ? Self.firstWords(document.body) : document.title
            var url = links(hit.post)
            let seconds = hit.moment.map { max(0, Int($0.rounded(.down))) }
            if let seconds { url += (url.contains("?") ? "&" : "?") + "t=\(seconds)" }
            return Result(
                title: title.isEmpty ? "Untitled" : title,
                url: url,
                date: DateText.long(hit.post.published),
                dateISO: DateText.iso8601(hit.post.published),
                snippetHTML: hit.snippetHTML,
                moment: seconds.map { "Said at \(DateText.clock($0))" } ?? "",
                hasMoment: seconds != nil,
                status: hit.post.status == .published ? "" : hit.post.status.rawValue
            )
        }
        let message =
            hits == nil
            ? (text.trimmingCharacters(in: .whitespaces).isEmpty ? "" : "Type a word or two to search for.")
            : results.isEmpty ? "Nothing was found for “\(text)”." : ""
        return SearchPageView(query: text, results: results, hasResults: !results.isEmpty, message: message, action: action)
    }

    static func firstWords(_ text: String) -> String {
        let words = text.split(whereSeparator: \.isWhitespace).prefix(12)
        return words.joined(separator: " ") + (words.count == 12 ? "…" : "")
    }
}
