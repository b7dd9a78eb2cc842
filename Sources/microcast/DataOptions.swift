import ArgumentParser
import Foundation

/// `--data DIR`, shared by every command that touches a site's data.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data folder: database, originals and renditions.")
    var data: String = "Media"

    var url: URL { URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL }
}
