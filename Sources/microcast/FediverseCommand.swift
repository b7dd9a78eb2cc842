import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

/// `microcast fediverse`: who follows the site from the fediverse, and the owner's say over it.
struct FediverseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fediverse",
        abstract: "List, approve and refuse followers on the fediverse; hold follows for approval; block servers.",
        subcommands: [Followers.self, Approve.self, Reject.self, Follows.self, Block.self, Unblock.self, SecureMode.self]
    )

    struct Followers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List followers and follow requests, oldest first.")
        @OptionGroup var data: DataOptions
        @Option(help: "Only those in this state: accepted, pending, rejected.") var state: Follower.State?

        func run() async throws {
            let (followers, unreachable) = try await data.withStore { store in
                (try await FollowerModeration(store: store).followers(), try await store.settings().unreachableServers)
            }
            print("ACTOR\tSTATE\tSINCE\tINBOX")
            for follower in followers where state == nil || follower.state == state {
                var inbox = follower.inbox
                if let url = URL(string: inbox), let since = unreachable[url.fediverseServer] { inbox += " (unreachable since \(since))" }
                let since = ISO8601DateFormatter().string(from: follower.followedAt)
                print([follower.actorId, follower.state.rawValue, since, inbox].joined(separator: "\t"))
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a follow request (our Accept is sent).")
        @OptionGroup var data: DataOptions
        @Argument(help: "The follower's actor URL (from `fediverse followers`).") var actor: String

        func run() async throws {
            let follower = try await data.withStore { try await FollowerModeration(store: $0).approve(actorId: actor) }
            print("accepted: \(follower.actorId)")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse a follow request, or remove a follower (our Reject is sent).")
        @OptionGroup var data: DataOptions
        @Argument(help: "The follower's actor URL.") var actor: String

        func run() async throws {
            let follower = try await data.withStore { try await FollowerModeration(store: $0).reject(actorId: actor) }
            print("refused: \(follower.actorId)")
        }
    }

    struct Follows: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How new follows are taken: automatic (accepted at once, the default) or approval (held for the owner)."
        )
        @OptionGroup var data: DataOptions
        @Argument(help: "automatic or approval.") var setting: FollowSetting

        enum FollowSetting: String, ExpressibleByArgument, CaseIterable { case automatic, approval }

        func run() async throws {
            try await data.withStore { try await FollowerModeration(store: $0).holdFollows(setting == .approval) }
            print("fediverse follows: \(setting.rawValue)")
        }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block a server and its subdomains: nothing its people send is taken, nothing more is delivered to them."
        )
        @OptionGroup var data: DataOptions
        @Argument(help: "A domain, as in spam.example.") var domain: String

        func run() async throws {
            let ended = try await data.withStore { try await FollowerModeration(store: $0).block(domain: domain) }
            print("blocked \(domain); \(ended) of its followers removed")
        }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a server's block (its people may follow and answer again).")
        @OptionGroup var data: DataOptions
        @Argument(help: "A domain.") var domain: String

        func run() async throws {
            try await data.withStore { try await FollowerModeration(store: $0).unblock(domain: domain) }
            print("unblocked \(domain)")
        }
    }

    struct SecureMode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "secure-mode",
            abstract:
                "on: posts as objects and the collections answer only signed requests from servers not blocked (Mastodon's authorized fetch); off (the default)."
        )
        @OptionGroup var data: DataOptions
        @Argument(help: "on or off.") var setting: Setting

        enum Setting: String, ExpressibleByArgument, CaseIterable { case on, off }

        func run() async throws {
            let value: String? = setting == .on ? "on" : nil
            try await data.withStore { try await $0.setSettings([.fediverse(.secureMode): value]) }
            print("fediverse secure mode: \(setting.rawValue)")
        }
    }
}

extension Follower.State: ExpressibleByArgument {}
