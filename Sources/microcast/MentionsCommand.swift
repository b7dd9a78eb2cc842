import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

/// `microcast mentions`: the owner's moderation of received Webmentions.
struct MentionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mentions",
        abstract: "List, approve, reject and block received Webmentions.",
        subcommands: [List.self, Approve.self, Reject.self, Block.self, Unblock.self, Moderation.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List received mentions, newest first.")
        @OptionGroup var data: DataOptions
        @Option(help: "Only mentions in this state: pending, held, shown, rejected.") var state: Mention.State?
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            let mentions = try await data.withStore { try await $0.mentions(state: state, limit: limit) }
            print("ID\tSTATE\tKIND\tPOST\tSOURCE\tAUTHOR\tREASON")
            for mention in mentions {
                print(
                    [
                        mention.id, mention.state.rawValue, mention.kind.rawValue, mention.postSlug, mention.source, mention.author.name,
                        mention.ownerReason ?? "",
                    ]
                    .joined(separator: "\t")
                )
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a held mention; its domain's next mentions appear at once.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The mention's id (from `mentions list`).") var id: String

        func run() async throws {
            let mention = try await data.withStore { try await MentionModeration(store: $0).approve(id: id) }
            print("shown: \(mention.kind.rawValue) from \(mention.source); \(mention.domain) is approved")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a mention down (or never show it).")
        @OptionGroup var data: DataOptions
        @Argument(help: "The mention's id.") var id: String

        func run() async throws {
            let mention = try await data.withStore { try await MentionModeration(store: $0).reject(id: id) }
            print("rejected: \(mention.source)")
        }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refuse every mention from a domain and its subdomains; what it sent is taken down."
        )
        @OptionGroup var data: DataOptions
        @Argument(help: "A domain, as in example.com.") var domain: String

        func run() async throws {
            let count = try await data.withStore { try await MentionModeration(store: $0).block(domain: domain) }
            print("blocked \(domain); \(count) of its mentions taken down")
        }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget a domain's block (its next mentions are moderated as a first-time sender's)."
        )
        @OptionGroup var data: DataOptions
        @Argument(help: "A domain, as in example.com.") var domain: String

        func run() async throws {
            try await data.withStore { try await MentionModeration(store: $0).unblock(domain: domain) }
            print("unblocked \(domain)")
        }
    }

    struct Moderation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "When new mentions appear: first-time (approval for new senders, the default), all (always approval), none (at once)."
        )
        @OptionGroup var data: DataOptions
        @Argument(help: "first-time, all or none.") var setting: MentionPolicy.Moderation

        func run() async throws {
            try await data.withStore { try await MentionModeration(store: $0).setModeration(setting) }
            print("mentions moderation: \(setting.rawValue)")
        }
    }
}

extension Mention.State: ExpressibleByArgument {}
extension MentionPolicy.Moderation: ExpressibleByArgument {}
