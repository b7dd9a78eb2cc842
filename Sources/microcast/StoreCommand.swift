import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

/// `microcast store …`: the database as a whole.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move a site's database between SQLite and PostgreSQL.",
        subcommands: [Copy.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every table from one store into a new, empty one.",
            discussion: """
                Posts, media, renditions, tokens and grants, the owner and sessions, settings, ingests and jobs, with their ids, in one transaction: the target holds all of it or nothing. A target that holds anything is refused. The data folder is not copied: point the new store's processes at the same folder (or copy it alongside). Stop the site's processes first, so nothing is written to the source meanwhile.
                """
        )

        @Option(help: "The store to copy: sqlite:PATH or postgres://…") var from: String
        @Option(help: "The new store: sqlite:PATH or postgres://… (also from MICROCAST_DATABASE_URL).") var to: String?

        func run() async throws {
            guard let target = to ?? ProcessInfo.processInfo.environment["MICROCAST_DATABASE_URL"] else {
                throw ValidationError("name the target with --to or MICROCAST_DATABASE_URL")
            }
            let source = try location(from)
            let destination = try location(target)
            guard source != destination else { throw ValidationError("--from and --to name the same store") }
            if case .sqlite(let path) = source, !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no SQLite store at \(path)")
            }

            let reader = try await MicrocastServices.openStore(source)
            let snapshot: StoreSnapshot
            do {
                say("reading \(source)")
                snapshot = try await reader.snapshot()
                await reader.close()
            } catch {
                await reader.close()
                throw error
            }
            say("read " + summary(snapshot))
            let writer = try await MicrocastServices.openStore(destination)
            do {
                say("writing \(destination)")
                try await writer.restore(snapshot)
                let written = try await writer.snapshot()
                await writer.close()
                guard written.atMilliseconds() == snapshot.atMilliseconds() else {
                    throw ValidationError("the copy differs from the source after writing; the target holds: \(summary(written))")
                }
            } catch {
                await writer.close()
                throw error
            }
            say("copied and compared: every table matches")
        }

        func location(_ text: String) throws -> DatabaseLocation {
            do { return try DatabaseLocation(text) } catch { throw ValidationError("\(error)") }
        }

        func summary(_ snapshot: StoreSnapshot) -> String {
            snapshot.counts.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }

        func say(_ line: String) { FileHandle.standardError.write(Data("microcast: \(line)\n".utf8)) }
    }
}
