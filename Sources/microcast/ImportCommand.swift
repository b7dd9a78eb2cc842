import ArgumentParser
import Foundation
import Glibc
import Logging
import MicrocastApp
import Synchronization

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Move in: a show from its podcast feed, a WordPress site from its export, any JSON Feed (micro.blog's export is one), or a Microcast archive.",
        subcommands: [PodcastImport.self, WordPressImport.self, JSONFeedImport.self, ArchiveImport.self]
    )

    /// What every import is asked.
    struct Flags: ParsableArguments {
        @Flag(name: .customLong("keep-audio"), help: "Keep each recording as it came, as the enclosure, instead of processing it.")
        var keepAudio = false
        @Flag(help: "Send Webmentions, copies elsewhere and fediverse posts for what is imported (by default an import is quiet).")
        var announce = false
    }

    /// Runs an import with the services and its progress on the terminal; exit status 1 unless everything came in.
    static func run(
        _ options: IngestOptions,
        _ body: @escaping @Sendable (MicrocastServices, @escaping @Sendable (ImportEvent) -> Void) async throws -> ImportSummary
    ) async throws {
        let view = ImportProgressView()
        let services = try await options.services(logger: view.logger)
        let summary: ImportSummary
        do {
            summary = try await services.withWorker { try await body(services) { view.show($0) } }
        } catch let refusal as ImportRefusal {
            view.say("microcast: \(refusal)")
            throw ExitCode(1)
        }
        view.finish(summary)
        if !summary.succeeded { throw ExitCode(1) }
    }

    struct WordPressImport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "wordpress",
            abstract: "Import a WordPress site's posts, pages, images and comments from its export (WXR); run it again to take only what is new.",
            discussion: """
                Posts and pages keep their dates, slugs, categories and tags; drafts, pending and private posts become \
                drafts, scheduled ones stay scheduled. The featured image and the images in the content (galleries \
                included) are processed as photos and the content rewritten to name them; the first audio or video a \
                post plays becomes its recording. Approved comments become replies shown under the post. Each old \
                permalink and ?p= shortlink redirects to its post.
                """
        )

        @OptionGroup var options: IngestOptions
        @Flag(help: "Send Webmentions, copies elsewhere and fediverse posts for what is imported (by default an import is quiet).")
        var announce = false
        @Option(help: "A copy of the site's wp-content/uploads folder: images are taken from it before their URLs are tried.")
        var uploads: String?
        @Argument(help: "The export file (Tools → Export in WordPress).") var export: String

        func run() async throws {
            var chosen = WordPressImportOptions(export: URL(fileURLWithPath: export))
            chosen.uploads = uploads.map { URL(fileURLWithPath: $0, isDirectory: true) }
            chosen.announce = announce
            chosen.concurrency = min(options.concurrency, 4)
            let importing = chosen
            try await ImportCommand.run(options) { services, report in try await services.wordPressImporter.run(importing, report: report) }
        }
    }

    struct JSONFeedImport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "jsonfeed",
            abstract: "Import every item of a JSON Feed, from a file or a URL; run it again to take only new items.",
            discussion: """
                Each item becomes a post with its title, content (sanitised; the images it shows brought here), date, \
                tags and attachments (audio and video processed like uploads, images as photos). For a file, relative \
                addresses name files beside it. An item is remembered by its id; its old URL redirects to the post.
                """
        )

        @OptionGroup var options: IngestOptions
        @OptionGroup var flags: Flags
        @Argument(help: "The feed: a file, or an http or https URL.") var feed: String

        func run() async throws {
            var chosen = JSONFeedImportOptions(location: feed)
            chosen.keepAudio = flags.keepAudio
            chosen.announce = flags.announce
            chosen.concurrency = min(options.concurrency, 4)
            let importing = chosen
            try await ImportCommand.run(options) { services, report in try await services.jsonFeedImporter.run(importing, report: report) }
        }
    }

    struct PodcastImport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "podcast",
            abstract: "Import a show and every episode from its RSS feed; run it again to take only new episodes.",
            discussion: """
                Each episode keeps its guid (podcast apps do not download it again), date, title, show notes, season, \
                number, type, artwork, chapters and WebVTT or SubRip transcripts; its recording is downloaded (through \
                any redirects) and processed exactly like an upload. The show's settings are filled in where none are \
                set here. Episodes that fail are listed with the reason and do not stop the others; an interrupted import \
                resumes where it stopped. Exit status 0 only if every episode is here.
                """
        )

        @OptionGroup var options: IngestOptions
        @OptionGroup var flags: Flags
        @Argument(help: "The show's feed URL (http or https).") var feedURL: String
        @Option(name: .customLong("owner-email"), help: "For a locked feed: the owner's address the lock names, confirming you may move it.")
        var ownerEmail: String?

        func run() async throws {
            guard let url = URL(string: feedURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ValidationError("\(feedURL) is not an http or https URL")
            }
            var chosen = PodcastImportOptions(feedURL: url)
            chosen.keepAudio = flags.keepAudio
            chosen.ownerEmail = ownerEmail
            chosen.announce = flags.announce
            chosen.concurrency = min(options.concurrency, 4)
            let importing = chosen
            try await ImportCommand.run(options) { services, report in try await services.podcastImporter.run(importing, report: report) }
        }
    }
}

/// An import's progress: a bar on a terminal (episodes and bytes), a log line per episode otherwise.
final class ImportProgressView: Sendable {
    let logger: Logger
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private struct State {
        var total = 0
        var done = 0
        var bytes: Int64 = 0
        var current = ""
    }
    private let state = Mutex(State())

    init() {
        var logger = Logger(label: "microcast.import")
        logger.logLevel = .info
        self.logger = logger
    }

    func show(_ event: ImportEvent) {
        state.withLock { state in
            switch event {
            case .feedRead(let show, let total, let pending):
                state.total = pending
                write("\(show): \(total) episodes, \(pending) to import\n")
            case .episodeStarted(let title):
                state.current = title
            case .downloaded(let bytes):
                state.bytes = max(state.bytes, bytes)
            case .episodeFinished(let title, let outcome):
                state.done += 1
                switch outcome {
                case .imported(let url):
                    if !isTerminal { logger.info("imported", metadata: ["episode": "\(title)", "post": "\(url)"]) }
                case .alreadyImported(let url):
                    if !isTerminal { logger.info("skipped", metadata: ["episode": "\(title)", "post": "\(url)", "reason": "already imported"]) }
                case .failed(let reason):
                    if isTerminal {
                        write("\r\u{1B}[2K\(title): failed: \(reason)\n")
                    } else {
                        logger.error("failed", metadata: ["episode": "\(title)", "reason": "\(reason)"])
                    }
                }
            case .note(let text):
                if isTerminal { write("\r\u{1B}[2K\(text)\n") } else { logger.notice("\(text)") }
            }
            // `[3/12] ▓▓▓▓░░░░░░ 45.2 MB · Episode title`
            if isTerminal && state.total > 0 {
                let filled = state.done * 20 / state.total
                let bar = String(repeating: "▓", count: filled) + String(repeating: "░", count: 20 - filled)
                let megabytes = String(format: "%.1f MB", Double(state.bytes) / 1_000_000)
                write("\r\u{1B}[2K[\(state.done)/\(state.total)] \(bar) \(megabytes) · \(state.current.prefix(50))")
            }
        }
    }

    func say(_ text: String) { state.withLock { _ in write(text + "\n") } }

    func finish(_ summary: ImportSummary) {
        state.withLock { _ in
            if isTerminal { write("\r\u{1B}[2K") }
            write(summary.text + "\n")
        }
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
