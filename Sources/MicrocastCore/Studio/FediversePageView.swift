import Foundation

/// The studio's fediverse page: the site's address, how follows are taken,
/// secure mode, requests waiting for the owner, followers, blocked servers.
/// Stored properties only: templates see nothing computed.
public struct FediversePageView: Sendable {
    /// A follower or a request.
    public struct Person: Sendable {
        public var actorId: String
        public var since: String
        /// "unreachable since …" for a server that stopped answering; empty otherwise.
        public var unreachable: String
    }

    public var action: String
    public var csrf: String
    /// `@name@host`.
    public var address: String
    public var holdsFollows: Bool
    public var secureMode: Bool
    public var pending: [Person]
    public var hasPending: Bool
    public var followers: [Person]
    public var followerCount: Int
    public var blocked: [String]
    public var hasBlocked: Bool

    public init(
        action: String,
        csrf: String,
        address: String,
        settings: Settings,
        followers: [Follower],
        blocked: [String]
    ) {
        self.action = action
        self.csrf = csrf
        self.address = address
        holdsFollows = FediverseSettings.approvesFollowers(settings)
        secureMode = FediverseSettings.secureMode(settings)
        let unreachable = settings.unreachableServers
        func person(_ follower: Follower) -> Person {
            let since = URL(string: follower.inbox).flatMap { unreachable[$0.fediverseServer] }
            return Person(
                actorId: follower.actorId,
                since: DateText.long(follower.followedAt),
                unreachable: since.map { "unreachable since \($0)" } ?? ""
            )
        }
        pending = followers.filter { $0.state == .pending }.map(person)
        hasPending = !pending.isEmpty
        self.followers = followers.filter { $0.state == .accepted }.map(person)
        followerCount = self.followers.count
        self.blocked = blocked
        hasBlocked = !blocked.isEmpty
    }
}
