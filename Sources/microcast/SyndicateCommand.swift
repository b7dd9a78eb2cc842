import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

/// `microcast syndicate`: the accounts on other networks posts are copied to.
struct SyndicateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syndicate",
        abstract: "Connect, list and remove the Mastodon and Bluesky accounts posts are copied to.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    /// How the command reaches the network.
    struct NetworkOptions: ParsableArguments {
        @Flag(name: .customLong("allow-private-fetch"), help: "Let requests reach loopback and private addresses (tests only).")
        var allowPrivateFetch = false
        @OptionGroup var syndication: SyndicationOptions

        /// Runs `body` with the site's store and a way out to the network.
        func withConnections<T: Sendable>(_ data: DataOptions, _ body: @Sendable (AccountConnections) async throws -> T) async throws -> T {
            let directory = syndication.directory
            let allow = allowPrivateFetch
            return try await data.withStore { store in
                let site = try await SiteDirectory.recorded(in: store)
                let policy = FetchPolicy(userAgent: FetchPolicy.userAgent(site: site.urls.base), allowPrivateAddresses: allow)
                return try await SafeFetcher.whileRunning(policy: policy) { fetcher in
                    try await body(AccountConnections(store: store, fetcher: fetcher, directory: directory))
                }
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect an account (again, to reconnect it).",
            subcommands: [Mastodon.self, Bluesky.self]
        )

        struct Mastodon: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "A Mastodon (or GoToSocial, Pleroma) account, by an access token with the scopes read:accounts read:statuses write:media write:statuses."
            )
            @OptionGroup var data: DataOptions
            @OptionGroup var network: NetworkOptions
            @Option(help: "The server, as https://social.example.") var instance: String
            @Option(help: "An access token (from the server's Preferences → Development).") var token: String

            func run() async throws {
                let (instance, token) = (self.instance, self.token)
                let account = try await network.withConnections(data) { try await $0.connectMastodon(instance: instance, token: token) }
                print("connected \(account.name): \(account.uid)")
            }
        }

        struct Bluesky: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "A Bluesky (AT Protocol) account, by its handle and an app password.")
            @OptionGroup var data: DataOptions
            @OptionGroup var network: NetworkOptions
            @Option(help: "The handle, as alice.bsky.social.") var handle: String
            @Option(help: "An app password (Settings → Privacy and security → App passwords).") var appPassword: String
            @Option(help: "The account's PDS (default: found from the handle).") var pds: String?

            func run() async throws {
                let (handle, password, pds) = (self.handle, self.appPassword, self.pds)
                let account = try await network.withConnections(data) { try await $0.connectBluesky(handle: handle, appPassword: password, pds: pds) }
                print("connected \(account.name): \(account.uid)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts (never their credentials).")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let accounts = try await data.withStore { try await $0.syndicationAccounts() }
            print("UID\tSERVICE\tNAME\tSTATUS\tDEFAULTS")
            for account in accounts {
                let status =
                    switch account.status {
                    case .connected: "connected"
                    case .reconnect(let reason): "reconnect: \(reason)"
                    }
                let defaults = PostKind.allCases.filter(account.defaults.contains).map(\.rawValue).joined(separator: ",")
                print([account.uid, account.service.rawValue, account.name, status, defaults].joined(separator: "\t"))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget an account and its credentials; copies made stay where they are.")
        @OptionGroup var data: DataOptions
        @Argument(help: "The account's uid (from `syndicate list`).") var uid: String

        func run() async throws {
            let uid = self.uid
            let found = try await data.withStore { store in
                guard try await store.syndicationAccount(uid: uid) != nil else { return false }
                try await store.removeSyndicationAccount(uid: uid)
                return true
            }
            guard found else { throw ValidationError("no account \(uid); `microcast syndicate list` shows them") }
            print("removed \(uid)")
        }
    }
}
