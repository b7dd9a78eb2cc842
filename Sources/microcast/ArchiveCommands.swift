import ArgumentParser
import Foundation
import Glibc
import MediaModel
import MicrocastApp
import MicrocastCore

/// `microcast import archive FILE`: a site rebuilt from `export --archive`.
struct ArchiveImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Rebuild a site from an archive written by `microcast export --archive`, into an empty data folder and store.",
        discussion: """
            Posts, media (originals, public copies, renditions), settings and the show, responses, followers, \
            redirects, copies elsewhere and download counts come back as they were. Credentials are not in an \
            archive: set the owner's passphrase, make tokens and connect accounts elsewhere again. Run it before \
            the new site's first `serve`; a site that holds anything is refused, and nothing is written.
            """
    )

    @OptionGroup var data: DataOptions
    @Argument(help: "The archive (.zip) to read.") var archive: String

    func run() async throws {
        let file = URL(fileURLWithPath: archive)
        guard FileManager.default.fileExists(atPath: file.path) else { throw ValidationError("no archive at \(file.path)") }
        let library = try MediaLibrary(root: data.url)
        let progress = FileProgress(verb: "reading")
        let summary: SiteArchive.Summary
        do {
            summary = try await data.withStore { store in
                try await SiteArchive.read(file, into: store, library: library, maxFileBytes: MediaLimits().maxUploadBytes) { progress.show($0, $1) }
            }
        } catch let refusal as ArchiveError {
            progress.end()
            FileHandle.standardError.write(Data("microcast: \(refusal)\n".utf8))
            throw ExitCode(1)
        }
        progress.end()
        print("imported \(summary.posts) posts and \(summary.files) files (\(summary.bytes / 1_000_000) MB) into \(data.url.path)")
    }
}

/// A count of files on the terminal, rewritten in place; a line every tenth otherwise.
final class FileProgress: @unchecked Sendable {
    private let verb: String
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var shown = false
    private var lastTenth = -1

    init(verb: String) { self.verb = verb }

    func show(_ done: Int, _ total: Int) {
        guard total > 0 else { return }
        if isTerminal {
            FileHandle.standardError.write(Data("\r\(verb) files: \(done)/\(total)".utf8))
            shown = true
        } else if done * 10 / total != lastTenth {
            lastTenth = done * 10 / total
            FileHandle.standardError.write(Data("\(verb) files: \(done)/\(total)\n".utf8))
        }
    }

    func end() {
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
        shown = false
    }
}
