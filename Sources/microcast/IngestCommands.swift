import ArgumentParser
import Foundation
import Glibc
import Logging
import MediaModel
import MediaSandbox
import MicrocastApp
import Synchronization

/// Options shared by `ingest` and `watch`.
struct IngestOptions: ParsableArguments {
    @OptionGroup var data: DataOptions
    @OptionGroup var presets: PresetOptions
    @OptionGroup var transcription: TranscriptionOptions
    @Option(name: .customLong("base-url"), help: "Public URL of the site (default: the one `serve` last ran with).") var baseURL: String?
    @Option(help: "Items worked on at once (default: one per core).") var jobs: Int?
    @Flag(help: "Serve uploaded photos with the location they were taken at (removed by default).") var keepLocation = false
    @Flag(
        name: .customLong("allow-private-fetch"),
        help:
            "Let outbound fetches (an import's feed and files, Webmentions for new posts) reach loopback and private addresses. For tests on one machine; never on a public server."
    )
    var allowPrivateFetch = false

    var concurrency: Int { max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount) }

    /// The same services `serve` runs on, in this process, with a job worker per item worked on at once.
    func services(logger: Logger) async throws -> MicrocastServices {
        var configuration = ServiceConfiguration(
            dataDirectory: data.url,
            database: try data.location(),
            baseURL: baseURL,
            presets: try presets.load(),
            workerThreads: concurrency,
            keepLocation: keepLocation,
            jobPollInterval: .milliseconds(100)
        )
        configuration.writesPosts = true
        configuration.allowPrivateFetch = allowPrivateFetch
        configuration.transcriber = transcription.transcriber
        // Files from a folder may come from anyone (a synced folder, an
        // imported feed): decoded in sandboxed children, as `serve` does.
        configuration.mediaChildren = .thisExecutable(size: concurrency)
        return try await MicrocastServices.start(configuration, logger: logger)
    }
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Post files (or folders of photos) now; returns once they are published.",
        discussion:
            "NAME.json beside a file gives its title, content, date, categories, alt text, episode, season and draft status. Files stay where they are; the same bytes are never posted twice. Exit status 0 only if every file was posted (or had been already)."
    )

    @OptionGroup var options: IngestOptions
    @Argument(help: "Media files, or folders of photos.") var files: [String]

    func run() async throws {
        let progress = ProgressView()
        let services = try await options.services(logger: progress.logger)
        var items: [DropItem] = []
        var missing: [String] = []
        for path in files {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            if let item = DropItem.named(url) { items.append(item) } else { missing.append(path) }
        }
        for path in missing { progress.say("microcast: \(path): no such media file or folder (or a temporary or sidecar name)") }
        let named = items
        let summary = try await services.withWorker {
            await FolderRun.ingest(named, services: services, concurrency: options.concurrency, report: progress.show)
        }
        progress.finish(summary)
        if !summary.succeeded || !missing.isEmpty { throw ExitCode(1) }
    }
}

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Post what is dropped into a folder: complete files only, in name order, never twice.",
        discussion: """
            A file is taken once it is closed and unchanged for --settle seconds; names such as .part, .crdownload, .tmp, ~$… and hidden files wait until renamed. NAME.json beside a file describes its post; a sub-folder becomes one post of its photos in name order (sidecar: FOLDERNAME.json). Posted items move to FOLDER/done/ (or stay, with --keep-files); refused ones move to FOLDER/failed/ beside NAME.error.txt. Runs until stopped; --once takes what is there, waits for files still being written, and exits 0 only if all were posted.
            """
    )

    @OptionGroup var options: IngestOptions
    @Argument(help: "The folder to watch.") var folder: String
    @Flag(help: "Take what is in the folder now, then exit.") var once = false
    @Flag(name: .customLong("keep-files"), help: "Leave posted files in place instead of moving them to done/.") var keepFiles = false
    @Flag(name: .customLong("follow-symlinks"), help: "Take symbolic links in the folder (by default they are passed over: they can point anywhere).")
    var followSymlinks = false
    @Option(help: "Seconds a file must stay unchanged before it is taken.") var settle: Double = 2
    @Flag(help: "Rescan the folder every second instead of listening for changes (for network folders, whose changes inotify does not see).")
    var poll = false

    func run() async throws {
        let url = URL(fileURLWithPath: folder, isDirectory: true).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(folder) is not a folder")
        }
        let progress = ProgressView()
        let services = try await options.services(logger: progress.logger)
        var runOptions = FolderRun.Options()
        runOptions.once = once
        runOptions.keepFiles = keepFiles
        runOptions.followSymlinks = followSymlinks
        runOptions.settle = max(0, settle)
        runOptions.concurrency = options.concurrency
        runOptions.polling = poll || ProcessInfo.processInfo.environment["MICROCAST_WATCH_POLL"] == "1"
        let run = FolderRun(folder: url, services: services, options: runOptions)
        let summary = try await services.withWorker {
            try await Self.untilInterrupted { try await run.run(report: progress.show) }
        }
        progress.finish(summary)
        if once && !summary.succeeded { throw ExitCode(1) }
    }

    /// Runs `body`, cancelling it on SIGINT or SIGTERM so the summary is still printed.
    static func untilInterrupted<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
        }
        return try await task.value
    }
}

/// Shows a run: a progress line on a terminal (files done of total, current
/// file, rate, time left), otherwise one structured log line per file.
final class ProgressView: Sendable {
    let logger: Logger
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let start = Date()
    /// The file being worked on, and the lock every line is written under.
    private let current = Mutex("")

    init() {
        var logger = Logger(label: "microcast.ingest")
        logger.logLevel = .info
        self.logger = logger
    }

    func show(_ event: IngestEvent) {
        current.withLock { current in
            switch event {
            case .started(let item, let done, let total):
                current = item.name
                if isTerminal { line(done: done, total: total, current: current) }
            case .waiting(let item):
                if isTerminal {
                    write("\r\u{1B}[2K\(item.name): still being written, waiting\n")
                } else {
                    logger.info("waiting", metadata: ["file": "\(item.name)", "reason": "still being written"])
                }
            case .finished(let item, let outcome, let seconds, let done, let total):
                let ms = "\(Int(seconds * 1000))"
                switch outcome {
                case .posted(let url):
                    if !isTerminal { logger.info("posted", metadata: ["file": "\(item.name)", "post": "\(url)", "ms": "\(ms)"]) }
                case .duplicate(let url):
                    if !isTerminal { logger.info("skipped", metadata: ["file": "\(item.name)", "post": "\(url)", "reason": "already posted"]) }
                case .failed(let reason):
                    if isTerminal {
                        write("\r\u{1B}[2K\(item.name): failed: \(reason)\n")
                    } else {
                        logger.error("failed", metadata: ["file": "\(item.name)", "reason": "\(reason)", "ms": "\(ms)"])
                    }
                }
                if isTerminal { line(done: done, total: total, current: current) }
            }
        }
    }

    func say(_ text: String) { current.withLock { _ in write(text + "\n") } }

    func finish(_ summary: IngestSummary) {
        current.withLock { _ in
            if isTerminal { write("\r\u{1B}[2K") }
            write("\(summary.text)\n")
        }
    }

    /// `[3/10] talk.wav · 0.8 files/s · 0:09 left`
    private func line(done: Int, total: Int, current: String) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "[\(done)/\(total)] \(current)"
        if rate > 0 {
            let left = Int(Double(max(0, total - done)) / rate)
            text += String(format: " · %.1f files/s · %d:%02d left", rate, left / 60, left % 60)
        }
        write("\r\u{1B}[2K" + text)
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
