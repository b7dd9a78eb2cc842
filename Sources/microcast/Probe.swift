import ArgumentParser
import Foundation
import MediaKit
import MediaModel

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print what a media file holds, as JSON (exit status 2 if it is not media we read)."
    )

    @Argument(help: "An audio, video or photo file.")
    var file: String

    func run() throws {
        do {
            print(try Prober.probe(path: file).jsonString(pretty: true))
        } catch {
            FileHandle.standardError.write(Data("microcast: \(file): \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}
