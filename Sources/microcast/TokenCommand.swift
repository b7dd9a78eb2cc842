import ArgumentParser
import Foundation
import MicrocastCore
import MicrocastServer
import MicrocastStore

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage Micropub access tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it (only its hash is stored; it cannot be shown again).")

        @OptionGroup var data: DataOptions
        @Option(help: "Space-separated scopes: create update delete undelete media.")
        var scope = "create update delete undelete media"

        func validate() throws {
            let scopes = ScopeSet(scope)
            guard !scopes.words.isEmpty else { throw ValidationError("--scope names no scope") }
            guard scopes.unknownWords.isEmpty else {
                throw ValidationError("unknown scope: \(scopes.unknownWords.joined(separator: ", "))")
            }
        }

        func run() async throws {
            let store = try SQLiteStore(path: MediaLibrary(root: data.url).database.path)
            let token = TokenGenerator.makeToken()
            try await store.addToken(AccessToken(hash: TokenGenerator.hash(token), scope: ScopeSet(scope)))
            print(token)
        }
    }
}
