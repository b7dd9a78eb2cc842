import ArgumentParser
import Foundation
import Logging
import MicrocastApp
import MicrocastCore

/// How the following commands reach the network.
struct FollowingOptions: ParsableArguments {
    @OptionGroup var data: DataOptions
    @Flag(name: .customLong("allow-private-fetch"), help: "Let fetches reach loopback and private addresses (tests only).")
    var allowPrivateFetch = false

    /// Runs `body` with the site's reading list, fetching as the site.
    func withFollowing<T: Sendable>(_ body: @Sendable (Following) async throws -> T) async throws -> T {
        let allow = allowPrivateFetch
        return try await data.withStore { store in
            let site = try await SiteDirectory.recorded(in: store)
            let policy = FetchPolicy(userAgent: FetchPolicy.userAgent(site: site.urls.base), allowPrivateAddresses: allow)
            var logger = Logger(label: "microcast")
            logger.logLevel = .warning
            return try await SafeFetcher.whileRunning(policy: policy) { fetcher in
                try await body(Following(store: store, follower: FeedFollower(fetcher: fetcher), logger: logger))
            }
        }
    }
}

struct FollowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Follow a website or feed: its h-feed, RSS, Atom or JSON Feed is found and read into the timeline."
    )
    @OptionGroup var options: FollowingOptions
    @Argument(help: "The site's or feed's address (https:// may be left out).") var address: String

    func run() async throws {
        let given = address
        let (follow, entries) = try await options.withFollowing { try await $0.follow(given) }
        print("following \(follow.address): \(follow.title ?? "untitled"), \(follow.feed.format.rawValue) at \(follow.feed.url.absoluteString)")
        if let hub = follow.feed.hub { print("  pushed by \(hub.absoluteString)") }
        print("  \(entries) entries read; next look in \(Int(follow.interval / 60)) minutes")
    }
}

struct UnfollowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unfollow", abstract: "Stop following an address; its entries leave the timeline.")
    @OptionGroup var options: FollowingOptions
    @Argument(help: "The address, as `following` lists it.") var address: String

    func run() async throws {
        let given = address
        guard try await options.withFollowing({ try await $0.unfollow(given) }) else {
            throw ValidationError("\(address) is not followed (see `microcast following`)")
        }
        print("unfollowed \(address)")
    }
}

struct FollowingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "following",
        abstract: "List what the site follows, or poll it now.",
        subcommands: [List.self, Refresh.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every followed source: its feed, when it is next read, its last failure.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let follows = try await data.withStore { try await $0.follows() }
            print("ADDRESS\tTITLE\tFORMAT\tFEED\tNEXT\tSTATUS")
            let dates = ISO8601DateFormatter()
            for follow in follows {
                let status = follow.lastError.map { "failing (\(follow.failures)×): \($0)" } ?? "ok"
                print(
                    [
                        follow.address, follow.title ?? "", follow.feed.format.rawValue, follow.feed.url.absoluteString,
                        dates.string(from: follow.nextPollAt), status,
                    ]
                    .joined(separator: "\t")
                )
            }
        }
    }

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Poll every followed source now (or only the one named).")
        @OptionGroup var options: FollowingOptions
        @Argument(help: "Only this address.") var address: String?

        func run() async throws {
            let only = address
            let (polled, added) = try await options.withFollowing { try await $0.refresh(only) }
            print("\(polled) polled, \(added) new entries")
        }
    }
}
