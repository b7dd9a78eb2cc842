import Foundation

/// Someone on the fediverse who follows the site.
public struct Follower: Sendable, Equatable {
    /// The follower's actor id (a URL).
    public var actorId: String
    /// Where activities for them go: their server's shared inbox, else their own.
    public var inbox: String
    /// The `Follow` activity's id, which our `Accept` names.
    public var followId: String
    public var followedAt: Date

    public init(actorId: String, inbox: String, followId: String, followedAt: Date) {
        self.actorId = actorId
        self.inbox = inbox
        self.followId = followId
        self.followedAt = followedAt
    }
}

/// The site's followers on the fediverse.
public protocol FollowerRepository: Sendable {
    /// Every follower, oldest first.
    func followers() async throws -> [Follower]
    /// Saves a follower (new, or again with a new Follow), with the jobs it causes (our Accept), in one transaction.
    func saveFollower(_ follower: Follower, jobs: [JobRequest]) async throws
    /// Forgets a follower (an Undo of their Follow); true if there was one.
    func removeFollower(actorId: String) async throws -> Bool
}
