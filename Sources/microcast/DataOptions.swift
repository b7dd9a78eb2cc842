import ArgumentParser
import Foundation
import MediaModel
import MicrocastApp
import MicrocastCore

/// `--data DIR` and `--database URL`, shared by every command that touches a site's data.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data folder: originals, renditions and (by default) the database.")
    var data: String = "Media"
    @Option(
        name: .long,
        help: "The store: sqlite:PATH (default DATA/microcast.sqlite) or postgres://USER:PASSWORD@HOST:PORT/DB (also from MICROCAST_DATABASE_URL)."
    )
    var database: String?

    var url: URL { URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL }

    /// Where the store is: `--database`, else `MICROCAST_DATABASE_URL`, else the data folder's SQLite file.
    func location() throws -> DatabaseLocation {
        if let given = database ?? ProcessInfo.processInfo.environment["MICROCAST_DATABASE_URL"] {
            do {
                return try DatabaseLocation(given)
            } catch {
                throw ValidationError("\(error)")
            }
        }
        return .embedded(in: url)
    }

    /// Runs `body` with the site's store (created, with the data folder's
    /// folders, if this is a new site), then closes it.
    func withStore<T: Sendable>(_ body: (any DataStore) async throws -> T) async throws -> T {
        let library = try MediaLibrary(root: url)
        if let tightened = library.tightened {
            FileHandle.standardError.write(Data("microcast: data folder made owner-only: \(tightened)\n".utf8))
        }
        let store = try await MicrocastServices.openStore(try location())
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

/// `--presets DIR`: the encoding presets, found for the command line.
struct PresetOptions: ParsableArguments {
    @Option(help: "Folder of encoding presets (default: the Presets/ folder found from here or beside the executable).")
    var presets: String?

    func load() throws -> Presets {
        try Presets.load(from: try PresetLocator.locate(explicit: presets))
    }

    /// The user agents that are not listeners (`bots.json` in the same folder).
    func bots() throws -> BotList {
        try BotList.load(from: try PresetLocator.locate(explicit: presets))
    }
}

/// Finds the `Presets/` folder: the one named, else the first found walking
/// up from the working directory and then from the executable (which finds
/// the repository's folder when run from `.build/`).
enum PresetLocator {
    static func locate(explicit: String?) throws -> URL {
        if let explicit { return URL(fileURLWithPath: explicit, isDirectory: true) }
        let starts = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
            URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent(),
        ]
        for start in starts {
            var folder = start.standardizedFileURL
            while true {
                let candidate = folder.appendingPathComponent("Presets", isDirectory: true)
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("photo.json").path) {
                    return candidate
                }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        throw ValidationError("no Presets/ folder found; pass --presets DIR")
    }
}
