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

    /// Runs `body` with the site's reading list and address, fetching as the site.
    func withFollowing<T: Sendable>(_ body: @Sendable (Following, _ site: String) async throws -> T) async throws -> T {
        let allow = allowPrivateFetch
        return try await data.withStore { store in
            let site = try await SiteDirectory.recorded(in: store)
            let policy = FetchPolicy(userAgent: FetchPolicy.userAgent(site: site.urls.base), allowPrivateAddresses: allow)
            var logger = Logger(label: "microcast")
            logger.logLevel = .warning
            return try await SafeFetcher.whileRunning(policy: policy) { fetcher in
                try await body(Following(store: store, follower: FeedFollower(fetcher: fetcher), logger: logger), site.urls.base)
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
        let (follow, entries) = try await options.withFollowing { following, site in
            let followed = try await following.follow(given)
            // Pushes come to the served site; `serve` asks again if this does not get through.
            try await following.subscribe(followed.follow, callbackBase: site)
            return followed
        }
        print("following \(follow.address): \(follow.title ?? "untitled"), \(follow.feed.format.rawValue) at \(follow.feed.url.absoluteString)")
        if let hub = follow.feed.hub { print("  pushed by \(hub.absoluteString) (subscription asked for)") }
        print("  \(entries) entries read; next look in \(Int(follow.interval / 60)) minutes")
    }
}

struct UnfollowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unfollow", abstract: "Stop following an address; its entries leave the timeline.")
    @OptionGroup var options: FollowingOptions
    @Argument(help: "The address, as `following` lists it.") var address: String

    func run() async throws {
        let given = address
        guard try await options.withFollowing({ following, _ in try await following.unfollow(given) }) else {
            throw ValidationError("\(address) is not followed (see `microcast following`)")
        }
        print("unfollowed \(address)")
    }
}

struct FollowingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "following",
        abstract: "List what the site follows, poll it now, or move the list in and out as OPML.",
        subcommands: [List.self, Refresh.self, Import.self, Export.self],
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
            let (polled, added) = try await options.withFollowing { following, _ in try await following.refresh(only) }
            print("\(polled) polled, \(added) new entries")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow every feed of an OPML subscription list (exported by a feed reader or podcast app)."
        )
        @OptionGroup var options: FollowingOptions
        @Argument(help: "The OPML file.") var file: String

        func run() async throws {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let result = try await options.withFollowing { following, _ in
                try await following.importOPML(data) { done, total, feed in
                    print("[\(done + 1)/\(total)] \(feed.absoluteString)")
                }
            }
            for (feed, reason) in result.failed { print("not followed: \(feed.absoluteString): \(reason)") }
            print("\(result.followed.count) followed, \(result.alreadyFollowed.count) already followed, \(result.failed.count) failed")
            if !result.failed.isEmpty && result.followed.isEmpty && result.alreadyFollowed.isEmpty { throw ExitCode.failure }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write every followed source as an OPML subscription list.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The file to write (standard output if left out).") var file: String?

        func run() async throws {
            let document = try await data.withStore { store in
                let site = try await SiteDirectory.recorded(in: store)
                return try await Following.exportOPML(from: store, title: "Followed by \(site.urls.base)")
            }
            guard let file else {
                print(document, terminator: "")
                return
            }
            // Whole or not at all: written beside, then renamed over.
            try Data(document.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
            print("wrote \(file)")
        }
    }
}
