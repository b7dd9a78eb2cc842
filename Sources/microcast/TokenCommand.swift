import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage Micropub access tokens.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it (only its hash is stored; it cannot be shown again)."
        )

        @OptionGroup var data: DataOptions
        @Option(help: "Space-separated scopes: create update delete undelete media.")
        var scope = "create update delete undelete media"

        func validate() throws {
            let scopes = ScopeSet(scope)
            guard !scopes.isEmpty else { throw ValidationError("--scope names no scope") }
            guard scopes.unknownWords.isEmpty else {
                throw ValidationError("unknown scope: \(scopes.unknownWords.joined(separator: ", "))")
            }
        }

        func run() async throws {
            let token = Secrets.make()
            try await data.withStore { try await $0.addToken(AccessToken(hash: Secrets.hash(token), scope: ScopeSet(scope))) }
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List grants: each approval or CLI token with its refresh tokens (never the tokens themselves)."
        )

        @OptionGroup var data: DataOptions

        func run() async throws {
            let now = Date()
            let formatter = ISO8601DateFormatter()
            print("ID\tSTATUS\tCLIENT\tSCOPE\tCREATED\tEXPIRES")
            for grant in TokenGrant.group(try await data.withStore { try await $0.allTokens() }, now: now) {
                print(
                    [
                        "\(grant.id)", grant.isRefreshOnly ? "active (refresh only)" : grant.status.rawValue,
                        grant.clientId ?? "command line", grant.scope.description,
                        formatter.string(from: grant.created), grant.expires.map(formatter.string) ?? "never",
                    ].joined(separator: "\t")
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a grant (its access and refresh tokens) by the ID `token list` shows.")

        @OptionGroup var data: DataOptions
        @Argument(help: "The token's ID.") var id: Int64

        func run() async throws {
            guard try await data.withStore({ try await $0.revokeToken(id: id, now: Date()) }) else {
                throw ValidationError("there is no token with ID \(id)")
            }
            print("revoked token \(id)")
        }
    }
}
