import Foundation

/// An answer the owner makes from the timeline, published as a post of
/// their own: a reply, a like, a repost or a bookmark of an item.
public enum TimelineResponse: String, Sendable, CaseIterable {
    case reply, like, repost, bookmark

    /// The microformats property that says what the post answers.
    public var property: String {
        switch self {
        case .reply: "in-reply-to"
        case .like: "like-of"
        case .repost: "repost-of"
        case .bookmark: "bookmark-of"
        }
    }

    /// Why an answer could not be made.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// The post that answers `entry`: its URL under this response's property,
    /// the owner's words (a reply needs some), published at once.
    public func post(answering entry: TimelineEntry, text: String) throws(Refusal) -> MicropubCreate {
        guard let url = entry.url.flatMap({ LinkPolicy.renderable($0.absoluteString) }) else {
            throw Refusal(description: "this item has no web address to answer")
        }
        let words = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if self == .reply, words.isEmpty { throw Refusal(description: "write the reply first") }
        var properties: MF2Properties = [property: [.string(url)]]
        if !words.isEmpty { properties["content"] = [.markdown(words)] }
        return MicropubCreate(properties: properties)
    }

    /// What the answered page is called, for the post's context (`h-cite`)
    /// before its page is fetched: the item's title, else its first words.
    public static func citation(of entry: TimelineEntry, now: Date) -> Citation? {
        guard let url = entry.url?.absoluteString else { return nil }
        let words = (entry.title ?? entry.contentHTML.map(PostBuilder.stripTags) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let name = words.count > 140 ? String(words.prefix(139)) + "…" : words
        return Citation(url: url, name: name, authorName: entry.author?.name ?? "", fetchedAt: now)
    }
}
