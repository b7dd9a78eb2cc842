import Foundation

/// Someone on the fediverse who follows the site, or asked to.
public struct Follower: Sendable, Equatable, Codable {
    /// Where a follow is: only accepted followers are sent posts or counted.
    public enum State: String, Sendable, Codable, CaseIterable {
        case accepted
        /// Waiting for the owner (`fediverse.follows` is `approval`).
        case pending
        /// Refused by the owner; a new Follow asks again.
        case rejected
    }

    /// The follower's actor id (a URL).
    public var actorId: String
    /// Where activities for them go: their server's shared inbox, else their own.
    public var inbox: String
    /// The `Follow` activity's id, which our `Accept` names.
    public var followId: String
    public var followedAt: Date
    public var state: State

    public init(actorId: String, inbox: String, followId: String, followedAt: Date, state: State = .accepted) {
        self.actorId = actorId
        self.inbox = inbox
        self.followId = followId
        self.followedAt = followedAt
        self.state = state
    }
}

/// The site's followers on the fediverse.
public protocol FollowerRepository: Sendable {
    /// Every follower and follow request (any state), oldest first.
    func followers() async throws -> [Follower]
    /// Saves a follower (new, again with a new Follow, or in a new state),
    /// with the jobs it causes (our Accept or Reject), in one transaction.
    func saveFollower(_ follower: Follower, jobs: [JobRequest]) async throws
    /// Forgets a follower (an Undo of their Follow); true if there was one.
    func removeFollower(actorId: String) async throws -> Bool
}
