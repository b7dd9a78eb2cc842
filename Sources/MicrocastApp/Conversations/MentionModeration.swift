import Foundation
import MicrocastCore

/// The owner's decisions on received mentions, for the CLI and the studio
/// alike: approve one (and its domain from then on), reject one, block or
/// unblock a domain (rejecting what it sent), choose the moderation setting.
public struct MentionModeration: Sendable {
    let store: any DataStore

    public init(store: any DataStore) { self.store = store }

    /// Why a moderation command could not be carried out.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Shows the mention, and lets its sender's later mentions appear at once
    /// (a site's domain; for a response from another network, its author).
    @discardableResult
    public func approve(id: String, now: Date = Date()) async throws -> Mention {
        guard var mention = try await store.mention(id: id) else { throw Failure(description: "no mention has the id \(id)") }
        guard mention.state != .pending else { throw Failure(description: "\(id) is still being verified; approve it once it is held") }
        try await store.setSettings([.mentionSender(mention.sender): MentionPolicy.DomainDecision.approved.rawValue])
        mention.state = .shown
        mention.reason = nil
        mention.detail = nil
        mention.updatedAt = now
        try await store.saveMention(mention)
        return mention
    }

    @discardableResult
    public func reject(id: String, now: Date = Date()) async throws -> Mention {
        guard var mention = try await store.mention(id: id) else { throw Failure(description: "no mention has the id \(id)") }
        mention.state = .rejected
        mention.reason = "not accepted"
        mention.detail = "rejected by the owner"
        mention.updatedAt = now
        try await store.saveMention(mention)
        return mention
    }

    /// Blocks `domain` (and its subdomains); returns how many of its mentions were taken down.
    @discardableResult
    public func block(domain: String, now: Date = Date()) async throws -> Int {
        let domain = domain.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        guard domain.contains("."), !domain.contains("/") else { throw Failure(description: "\(domain) is not a domain name") }
        // Blocking a server outranks the approvals given to people on it
        // before; approving one of them again lets that one through.
        var changes: [SettingKey: String?] = [.mentionDomain(domain): MentionPolicy.DomainDecision.blocked.rawValue]
        for (url, decision) in try await store.settings().mentionAuthors where decision == MentionPolicy.DomainDecision.approved.rawValue {
            let host = Mention.domain(of: url)
            if host == domain || host.hasSuffix("." + domain) { changes[.mentionAuthor(url)] = .some(nil) }
        }
        try await store.setSettings(changes)
        let policy = MentionPolicy(settings: try await store.settings())
        var count = 0
        for var mention in try await store.mentions(state: nil, limit: Int.max)
        where mention.state != .rejected && policy.isBlocked(mention.sender) {
            mention.state = .rejected
            mention.reason = "not accepted"
            mention.detail = "the sender's domain is blocked"
            mention.updatedAt = now
            try await store.saveMention(mention)
            count += 1
        }
        return count
    }

    public func unblock(domain: String) async throws {
        try await store.setSettings([.mentionDomain(domain): nil])
    }

    public func setModeration(_ moderation: MentionPolicy.Moderation) async throws {
        try await store.setSettings([.mentionModeration: moderation.rawValue])
    }
}
