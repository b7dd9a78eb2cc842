import Foundation

/// A post's own response (a reply, like, repost or bookmark of another
/// page), shown above its content as an `h-cite` of that page.
public struct ResponseView: Sendable {
    /// `u-in-reply-to`, `u-like-of`, …
    public var className: String
    /// "In reply to", "Liked", …
    public var label: String
    /// Empty when the URL may not be linked (`LinkPolicy`): the citation is then text only.
    public var url: String
    /// The cited page's title or text, when it was fetched; else its URL is shown.
    public var name: String
    public var author: String
}

/// One person in a conversation: their name, link and our copy of their photo.
public struct AuthorView: Sendable {
    public var name: String
    /// Empty when they gave no URL that may be linked (`LinkPolicy`).
    public var url: String
    /// Our rendition of their photo; empty: their initial is shown instead.
    public var photoURL: String
    public var initial: String
}

/// One received response, as a template prints it.
public struct MentionView: Sendable {
    public var author: AuthorView
    /// The response's own URL, else its source's; links only by `LinkPolicy`.
    public var url: String
    public var contentHTML: String
    public var hasContent: Bool
    public var published: String
    public var publishedText: String
}

/// One kind of response under a post: its heading ("3 likes") and the responses.
public struct MentionGroup: Sendable {
    public var heading: String
    public var items: [MentionView]
}

/// Everything said about a post elsewhere, by kind: shown under it on its
/// page. (Templates see stored properties only, so groups are built whole.)
public struct ConversationView: Sendable {
    public var likes: [MentionGroup] = []
    public var reposts: [MentionGroup] = []
    public var replies: [MentionGroup] = []
    public var bookmarks: [MentionGroup] = []
    public var mentions: [MentionGroup] = []
    public var isEmpty = true
}

/// Builds conversation views from stored mentions and citations.
public enum ConversationPresenter {
    public static func conversation(_ shown: [Mention], urls: SiteURLs) -> ConversationView {
        var byKind: [MentionKind: [MentionView]] = [:]
        for mention in shown {
            let item = MentionView(
                author: author(mention.author, fallbackURL: mention.url, urls: urls),
                url: LinkPolicy.renderable(mention.url) ?? LinkPolicy.renderable(mention.source) ?? "",
                contentHTML: mention.contentHTML,
                hasContent: !mention.contentHTML.isEmpty,
                published: mention.published.map(DateText.iso8601) ?? "",
                publishedText: DateText.long(mention.published ?? mention.receivedAt)
            )
            byKind[mention.kind, default: []].append(item)
        }
        func group(_ kind: MentionKind, _ one: String, _ many: String) -> [MentionGroup] {
            guard let items = byKind[kind], !items.isEmpty else { return [] }
            return [MentionGroup(heading: "\(items.count) \(items.count == 1 ? one : many)", items: items)]
        }
        return ConversationView(
            likes: group(.like, "like", "likes"),
            reposts: group(.repost, "repost", "reposts"),
            replies: group(.reply, "reply", "replies"),
            bookmarks: group(.bookmark, "bookmark", "bookmarks"),
            mentions: group(.mention, "mention", "mentions"),
            isEmpty: shown.isEmpty
        )
    }

    static func author(_ author: MentionAuthor, fallbackURL: String, urls: SiteURLs) -> AuthorView {
        let name = author.name.isEmpty ? (URL(string: fallbackURL)?.host ?? "Someone") : author.name
        return AuthorView(
            name: name,
            url: LinkPolicy.renderable(author.url) ?? LinkPolicy.renderable(fallbackURL) ?? "",
            photoURL: author.photoFile.isEmpty ? "" : urls.rendition(fileName: author.photoFile),
            initial: name.first.map { String($0).uppercased() } ?? "?"
        )
    }

    /// A post's response properties as cites of the pages they answer.
    public static func responses(of post: Post, citations: [String: Citation]) -> [ResponseView] {
        let labels: [(String, String)] = [
            ("in-reply-to", "In reply to"), ("like-of", "Liked"), ("repost-of", "Reposted"), ("bookmark-of", "Bookmarked"),
        ]
        return labels.flatMap { property, label in
            (post.properties[property] ?? []).compactMap(OutgoingLinks.responseURL).map { url in
                let citation = citations[url]
                return ResponseView(
                    className: "u-\(property)",
                    label: label,
                    url: LinkPolicy.renderable(url) ?? "",
                    name: citation.map(\.name).flatMap { $0.isEmpty ? nil : $0 } ?? url,
                    author: citation?.authorName ?? ""
                )
            }
        }
    }

    /// "2 replies · 3 likes · 1 repost" for a timeline entry; empty when nobody responded.
    public static func countsText(_ counts: [MentionKind: Int]) -> String {
        let parts: [(MentionKind, String, String)] = [
            (.reply, "reply", "replies"), (.like, "like", "likes"), (.repost, "repost", "reposts"), (.bookmark, "bookmark", "bookmarks"),
            (.mention, "mention", "mentions"),
        ]
        return parts.compactMap { kind, one, many in
            guard let count = counts[kind], count > 0 else { return nil }
            return "\(count) \(count == 1 ? one : many)"
        }.joined(separator: " · ")
    }
}
