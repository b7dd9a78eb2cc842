import ArgumentParser
import Foundation
import MicrocastServer
import MicrocastStore

/// `--data DIR`, shared by every command that touches a site's data.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data folder: database, originals and renditions.")
    var data: String = "Media"

    var url: URL { URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL }

    /// The site's store, created (with its folders) if this is a new data folder.
    func store() throws -> SQLiteStore {
        try SQLiteStore(path: MediaLibrary(root: url).database.path)
    }
}
