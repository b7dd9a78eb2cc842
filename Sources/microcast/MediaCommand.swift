import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

/// `microcast media`: where the site's media files are kept.
struct MediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Where the site's media files are kept: the data folder or an S3-compatible bucket.",
        subcommands: [Move.self, Where.self]
    )

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every media file to another store, verify each, then switch the site to it.",
            discussion: """
                Stop `serve` and every `worker` first, and start them again afterwards: they read the store at start. \
                Each file is copied and checked against its SHA-256; one already in the target with the same checksum \
                is not sent again, so a move that stopped resumes. The site switches only once every file is there; \
                the old store is left as it was, for you to remove once the site is checked. \
                Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or ~/.aws/credentials.
                """
        )

        @OptionGroup var data: DataOptions
        @Option(help: "local, or s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION&path-style=true") var to: String

        func run() async throws {
            let target: MediaStoreLocation
            do {
                target = try MediaStoreLocation(parsing: to)
            } catch {
                throw ValidationError("\(error)")
            }
            let progress = FileProgress(verb: "moving")
            let summary = try await data.withStore { store in
                try await MediaMove(root: data.url, settings: store, media: store).move(to: target) { progress.show($0, $1) }
            }
            progress.end()
            print(
                "media now in \(target): \(summary.copied) files copied (\(summary.bytes / 1_000_000) MB), \(summary.alreadyThere) already there and verified"
            )
        }
    }

    struct Where: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "where", abstract: "Print where the site's media files are kept.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            print(try await data.withStore { try await MediaStoreChoice.stored(in: $0) })
        }
    }
}
