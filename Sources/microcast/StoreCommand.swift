import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

/// `microcast store …`: the database as a whole.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Back up a site's database, or move it between SQLite and PostgreSQL.",
        subcommands: [Copy.self, Backup.self]
    )

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a consistent copy of the SQLite store to FILE while the site serves.",
            discussion: """
                The copy is one moment of the database (SQLite's VACUUM INTO), taken without stopping `serve` or `worker` and without holding up their writes; it is written under a temporary name, checked with SQLite's integrity check, made readable by its owner only, and then renamed to FILE (replacing an earlier backup only once the new one is whole). Restore by stopping the site and putting FILE in place of DATA/microcast.sqlite (removing any -wal and -shm beside it). The media files are not in it: see docs/operating.md, "Backups". A PostgreSQL store is backed up with pg_dump.
                """
        )

        @Argument(help: "Where to write the copy.") var file: String
        @OptionGroup var data: DataOptions

        func run() async throws {
            let location = try data.location()
            guard case .sqlite(let path) = location else {
                throw ValidationError(
                    "store backup copies a SQLite store; back up PostgreSQL with pg_dump (docs/operating.md, \"Backups\"), e.g. pg_dump --format=custom --file=site.dump 'postgres://…'"
                )
            }
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no SQLite store at \(path)") }
            let destination = URL(fileURLWithPath: file).standardizedFileURL
            guard destination.path != URL(fileURLWithPath: path).standardizedFileURL.path else {
                throw ValidationError("FILE is the store itself; name another file")
            }
            let started = ContinuousClock.now
            let summary = try await MicrocastServices.backUp(sqlite: path, to: destination)
            let seconds = (ContinuousClock.now - started).components.seconds
            FileHandle.standardError.write(
                Data(
                    "microcast: backed up \(path) to \(destination.path): \(summary.bytes) bytes, \(summary.tables) tables, integrity ok, in \(seconds) s\n"
                        .utf8
                )
            )
        }
    }

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
