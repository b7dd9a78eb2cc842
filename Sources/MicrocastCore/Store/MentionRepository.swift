import Foundation

/// Conversations: Webmentions received for our posts, the ones we sent, and
/// citations of the pages our posts answer.
public protocol MentionRepository: Sendable {
    /// Records a Webmention as pending verification, or sets an earlier one
    /// with the same source and target back to pending (a re-send: the source
    /// changed). Returns the stored mention; `newId` names a new one.
    func receiveMention(source: String, target: String, postSlug: String, newId: String, now: Date) async throws -> Mention
    /// The mention with this id (its status URL's), or nil.
    func mention(id: String) async throws -> Mention?
    /// Saves every field of a mention already received.
    func saveMention(_ mention: Mention) async throws
    /// Records responses from another network (replies, likes, reposts):
    /// new ones inserted, known ones (same source and target) updated with
    /// their moderation state kept.
    func recordResponses(_ responses: [Mention]) async throws
    /// Forgets responses from another network by one author (`author.url`):
    /// the one with `source`, or all of them (nil). Their author withdrew them
    /// (Undo, Delete); Webmentions are never touched. Returns how many went.
    func forgetResponses(authorURL: String, source: String?) async throws -> Int
    /// Mentions of one post in any of `states`, oldest first (the conversation's order).
    func mentions(postSlug: String, states: [Mention.State]) async throws -> [Mention]
    /// Mentions in `state` (nil: any), newest first: the owner's list.
    func mentions(state: Mention.State?, limit: Int) async throws -> [Mention]
    /// Shown mentions by kind, for each of `postSlugs` (the timeline's counts).
    func mentionCounts(postSlugs: [String]) async throws -> [String: [MentionKind: Int]]

    /// Records what came of sending to one target (replacing an earlier record).
    func recordSent(_ sent: SentMention) async throws
    /// What was sent for a post, by target.
    func sentMentions(postSlug: String) async throws -> [SentMention]

    /// Saves (or replaces) the citation of one URL.
    func saveCitation(_ citation: Citation) async throws
    /// The citations known for `urls`, by URL.
    func citations(urls: [String]) async throws -> [String: Citation]
}
