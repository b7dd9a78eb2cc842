import Foundation
import MicrocastCore

/// The owner's decisions about who follows the site, for the CLI and the
/// studio alike: approve or refuse a follow (a refusal removes an accepted
/// follower too), hold new follows for approval or not, block a server.
public struct FollowerModeration: Sendable {
    let store: any DataStore

    public init(store: any DataStore) { self.store = store }

    /// Why a decision could not be carried out.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Followers and requests, oldest first.
    public func followers() async throws -> [Follower] { try await store.followers() }

    /// Accepts a follow: our `Accept` is queued with the change.
    @discardableResult
    public func approve(actorId: String) async throws -> Follower {
        try await decide(actorId, .accepted)
    }

    /// Refuses a follow, or ends one: our `Reject` is queued with the change,
    /// and nothing more is delivered to them.
    @discardableResult
    public func reject(actorId: String) async throws -> Follower {
        try await decide(actorId, .rejected)
    }

    func decide(_ actorId: String, _ state: Follower.State) async throws -> Follower {
        guard var follower = try await store.followers().first(where: { $0.actorId == actorId }) else {
            throw Failure(description: "\(actorId) neither follows nor asked to")
        }
        guard follower.state != state else { return follower }
        follower.state = state
        let activity = (state == .accepted ? "accept " : "reject ") + follower.actorId
        try await store.saveFollower(follower, jobs: [JobRequest(kind: .deliver, subject: .delivery(inbox: follower.inbox, activity: activity))])
        return follower
    }

    /// Whether new follows wait for the owner.
    public func holdFollows(_ hold: Bool) async throws {
        try await store.setSettings([.fediverse(.follows): hold ? "approval" : nil])
    }

    /// Blocks a server (and its subdomains) as `microcast mentions block`
    /// does, and stops delivering to its people who follow; returns how many
    /// followers that ended.
    @discardableResult
    public func block(domain: String) async throws -> Int {
        try await MentionModeration(store: store).block(domain: domain)
        let domain = domain.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        var ended = 0
        for var follower in try await store.followers() where follower.state != .rejected {
            let host = Mention.domain(of: follower.actorId)
            guard host == domain || host.hasSuffix("." + domain) else { continue }
            // No Reject is sent: a blocked server is told nothing.
            follower.state = .rejected
            try await store.saveFollower(follower, jobs: [])
            ended += 1
        }
        return ended
    }

    public func unblock(domain: String) async throws {
        try await MentionModeration(store: store).unblock(domain: domain)
    }
}
