import Foundation

/// The owner's rules for what received mentions show: a moderation setting
/// and the senders approved or blocked (sites by domain, people on other
/// networks by profile URL), kept as settings (`mentions.moderation`,
/// `mentions.domain.HOST`, `mentions.author.URL`).
public struct MentionPolicy: Sendable, Equatable {
    /// When a verified mention appears.
    public enum Moderation: String, Sendable, CaseIterable {
        /// After approval for first-time senders; at once for domains approved before (the default).
        case firstTime = "first-time"
        /// Every mention waits for approval.
        case all
        /// Every mention appears at once.
        case none
    }

    /// What the owner said about every mention from one domain.
    public enum DomainDecision: String, Sendable { case approved, blocked }

    public var moderation: Moderation
    public var domains: [String: DomainDecision]
    public var authors: [String: DomainDecision]

    public init(moderation: Moderation = .firstTime, domains: [String: DomainDecision] = [:], authors: [String: DomainDecision] = [:]) {
        self.moderation = moderation
        self.domains = domains
        self.authors = authors
    }

    public init(settings: Settings) {
        moderation = settings[.mentionModeration].flatMap(Moderation.init(rawValue:)) ?? .firstTime
        domains = settings.mentionDomains.compactMapValues(DomainDecision.init(rawValue:))
        authors = settings.mentionAuthors.compactMapValues(DomainDecision.init(rawValue:))
    }

    /// A sender's decision: a person's own, else (blocking only) their server's domain's.
    public func decision(for sender: MentionSender) -> DomainDecision? {
        switch sender {
        case .domain(let domain):
            return decision(for: domain)
        case .author(let url):
            if let own = authors[url] { return own }
            // Blocking a server blocks everyone on it; approving one person approves only them.
            return decision(for: Mention.domain(of: url)) == .blocked ? .blocked : nil
        }
    }

    public func isBlocked(_ sender: MentionSender) -> Bool { decision(for: sender) == .blocked }

    /// Where a verified mention from `sender` goes: shown, or held for the owner.
    public func state(forVerifiedFrom sender: MentionSender) -> Mention.State {
        state(for: decision(for: sender))
    }

    public func isBlocked(_ domain: String) -> Bool { decision(for: domain) == .blocked }

    /// A domain's decision, or its parent domain's (blocking `example.com` blocks `www.example.com`).
    public func decision(for domain: String) -> DomainDecision? {
        var labels = domain.lowercased().split(separator: ".")
        while labels.count >= 2 {
            if let decision = domains[labels.joined(separator: ".")] { return decision }
            labels.removeFirst()
        }
        return nil
    }

    /// Where a verified mention from `domain` goes: shown, or held for the owner.
    public func state(forVerifiedFrom domain: String) -> Mention.State {
        state(for: decision(for: domain))
    }

    func state(for decision: DomainDecision?) -> Mention.State {
        switch decision {
        case .blocked?: return .rejected
        case .approved?: return moderation == .all ? .held : .shown
        case nil: return moderation == .none ? .shown : .held
        }
    }
}
