import Foundation

/// The owner's rules for what received mentions show: a moderation setting
/// and the domains approved or blocked, kept as settings
/// (`mentions.moderation`, `mentions.domain.HOST`).
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

    public init(moderation: Moderation = .firstTime, domains: [String: DomainDecision] = [:]) {
        self.moderation = moderation
        self.domains = domains
    }

    public init(settings: Settings) {
        moderation = settings[.mentionModeration].flatMap(Moderation.init(rawValue:)) ?? .firstTime
        domains = settings.mentionDomains.compactMapValues(DomainDecision.init(rawValue:))
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
        switch decision(for: domain) {
        case .blocked?: return .rejected
        case .approved?: return moderation == .all ? .held : .shown
        case nil: return moderation == .none ? .shown : .held
        }
    }
}
