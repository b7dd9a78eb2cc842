import Foundation
import MicrocastCore
import NIOPosix

/// What a run reports as it goes, for a progress line or a log.
public enum IngestEvent: Sendable {
    case started(DropItem, done: Int, total: Int)
    case finished(DropItem, IngestOutcome, seconds: Double, done: Int, total: Int)
    /// Found but still being written; it is taken once complete.
    case waiting(DropItem)
}

/// Totals at the end of a run.
public struct IngestSummary: Sendable, Equatable {
    public var posted = 0
    public var duplicates = 0
    public var failed: [String: String] = [:]
    /// Items still being written when a `--once` run gave up waiting.
    public var incomplete: [String] = []

    public var succeeded: Bool { failed.isEmpty && incomplete.isEmpty }

    mutating func count(_ item: DropItem, _ outcome: IngestOutcome) {
        switch outcome {
        case .posted: posted += 1
        case .duplicate: duplicates += 1
        case .failed(let reason): failed[item.name] = reason
        }
    }

    public var text: String {
        var parts = ["posted \(posted)", "skipped \(duplicates) already posted", "failed \(failed.count)"]
        if !incomplete.isEmpty { parts.append("still being written \(incomplete.count)") }
        return parts.joined(separator: ", ")
    }
}

/// Watches a drop folder and takes each complete item through the ingester,
/// several at a time, moving it to `done/` or `failed/` (with a note saying
/// why) once its post exists or it was refused.
public struct FolderRun: Sendable {
    /// How a folder is watched: once or for good, how long files settle, what happens to them after.
    public struct Options: Sendable {
        /// Leave taken files where they are; the store remembers them by hash.
        public var keepFiles = false
        /// Take symbolic links (files and folders) in the drop folder; off by default.
        public var followSymlinks = false
        /// Exit once everything present at the start has been taken.
        public var once = false
        /// A file must be unchanged this long (and closed) to be taken.
        public var settle: TimeInterval = 2
        /// How long `--once` waits for a file still being written.
        public var waitLimit: TimeInterval = 600
        /// Items in work at once (each is one post's files).
        public var concurrency = max(1, ProcessInfo.processInfo.activeProcessorCount)
        /// Rescan every second instead of listening to inotify (network folders, where inotify sees nothing).
        public var polling = false

        public init() {}
    }

    let folder: URL
    let ingester: Ingester
    let options: Options

    public init(folder: URL, services: MicrocastServices, options: Options) {
        self.folder = folder.standardizedFileURL
        self.ingester = services.ingester
        self.options = options
    }

    private enum Step: Sendable {
        case finished(DropItem, IngestOutcome, Double)
        case tick
    }

    public func run(report: @escaping @Sendable (IngestEvent) -> Void) async throws -> IngestSummary {
        for name in [DropFolder.doneFolder, DropFolder.failedFolder] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let events = FolderEvents(folder: folder, polling: options.polling)
        let eventThread = NIOThreadPool(numberOfThreads: 1)
        eventThread.start()
        defer { eventThread.shutdownGracefully { _ in } }

        let readiness = FileReadiness(settle: options.settle)
        let start = Date()
        var summary = IngestSummary()
        var inFlight: Set<String> = []
        // Items taken in this run, by name and the state of their files, so an
        // item left in place (--keep-files) is not taken again until it changes.
        var handled: [String: String] = [:]
        var announcedWaiting: Set<String> = []
        let initial = Set(DropItem.scan(folder, followSymlinks: options.followSymlinks).map(\.name))
        var order = StartOrder()
        var done = 0
        var total = 0

        await withTaskGroup(of: Step.self) { group in
            group.addTask { await Self.tick(events, on: eventThread) }
            while !Task.isCancelled {
                let items = DropItem.scan(folder, followSymlinks: options.followSymlinks)
                let writing = FileReadiness.openForWriting(under: folder)
                let pending = items.filter { !inFlight.contains($0.name) && handled[$0.name] != signature($0) }
                total = options.once ? initial.count : done + inFlight.count + pending.count
                for item in pending {
                    if options.once && !initial.contains(item.name) { continue }
                    if item.isFolder { events.watch(item.url) }
                    guard readiness.isComplete(item.allFiles, openForWriting: writing) else {
                        if announcedWaiting.insert(item.name).inserted { report(.waiting(item)) }
                        continue
                    }
                    guard inFlight.count < options.concurrency else { break }
                    inFlight.insert(item.name)
                    let published = order.next()
                    report(.started(item, done: done, total: total))
                    let ingester = self.ingester
                    let options = self.options
                    let folder = self.folder
                    group.addTask {
                        let began = ContinuousClock.now
                        let outcome = await ingester.ingest(item, defaultPublished: published)
                        Self.settle(item, outcome, in: folder, keepFiles: options.keepFiles)
                        return .finished(item, outcome, (ContinuousClock.now - began).milliseconds / 1000)
                    }
                }

                if options.once {
                    let remaining = initial.subtracting(handled.keys)
                    if remaining.isEmpty && inFlight.isEmpty { break }
                    if inFlight.isEmpty && Date().timeIntervalSince(start) > options.waitLimit {
                        summary.incomplete = remaining.sorted()
                        break
                    }
                }

                guard let step = await group.next() else { break }
                switch step {
                case .tick:
                    group.addTask { await Self.tick(events, on: eventThread) }
                case .finished(let item, let outcome, let seconds):
                    inFlight.remove(item.name)
                    handled[item.name] = signature(item)
                    done += 1
                    summary.count(item, outcome)
                    report(.finished(item, outcome, seconds: seconds, done: done, total: max(total, done)))
                }
            }
            group.cancelAll()
        }
        return summary
    }

    /// Waits for a change in the folder (or a second) on the event thread.
    private static func tick(_ events: FolderEvents, on thread: NIOThreadPool) async -> Step {
        _ = try? await thread.runIfActive { events.wait(timeout: .seconds(1)) }
        return .tick
    }

    /// The item's files by name, size and time: a changed file is a new drop.
    private func signature(_ item: DropItem) -> String {
        item.allFiles.map { file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let time = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(file.lastPathComponent):\(size):\(time)"
        }.joined(separator: "|")
    }

    /// Moves a taken item to `done/` (unless files are kept) and a refused one
    /// to `failed/` beside a note that says why. The sidecar moves first, so
    /// a crash between the two moves leaves the media file, which is taken
    /// again (and found already posted), never a sidecar alone.
    static func settle(_ item: DropItem, _ outcome: IngestOutcome, in folder: URL, keepFiles: Bool) {
        let manager = FileManager.default
        switch outcome {
        case .posted, .duplicate:
            guard !keepFiles else { return }
            let done = folder.appendingPathComponent(DropFolder.doneFolder)
            for file in item.sidecar.map({ [$0] }) ?? [] { try? manager.moveItem(at: file, to: free(file.lastPathComponent, in: done)) }
            try? manager.moveItem(at: item.url, to: free(item.name, in: done))
        case .failed(let reason):
            let failed = folder.appendingPathComponent(DropFolder.failedFolder)
            let target = free(item.name, in: failed)
            let note = """
                \(item.name) was not posted: \(reason)

                Fix or replace it, then put it back in \(folder.lastPathComponent)/ to try again. This note can be deleted.

                """
            try? Data(note.utf8).write(to: failed.appendingPathComponent(DropFolder.errorNoteName(for: target.lastPathComponent)), options: .atomic)
            for file in item.sidecar.map({ [$0] }) ?? [] { try? manager.moveItem(at: file, to: free(file.lastPathComponent, in: failed)) }
            try? manager.moveItem(at: item.url, to: target)
        }
    }

    /// `name` in `folder`, or `name (2)`, `name (3)`, … if taken.
    static func free(_ name: String, in folder: URL) -> URL {
        var candidate = folder.appendingPathComponent(name)
        var number = 2
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        while FileManager.default.fileExists(atPath: candidate.path) {
            candidate = folder.appendingPathComponent(ext.isEmpty ? "\(stem) (\(number))" : "\(stem) (\(number)).\(ext)")
            number += 1
        }
        return candidate
    }
}

extension FolderRun {
    /// Takes named items (the `ingest` command), several at a time, leaving
    /// every file where it is.
    public static func ingest(
        _ items: [DropItem],
        services: MicrocastServices,
        concurrency: Int,
        report: @escaping @Sendable (IngestEvent) -> Void
    ) async -> IngestSummary {
        let ingester = services.ingester
        var order = StartOrder()
        var summary = IngestSummary()
        var done = 0
        await withTaskGroup(of: (DropItem, IngestOutcome, Double).self) { group in
            var next = 0
            func startNext() {
                guard next < items.count else { return }
                let item = items[next]
                let published = order.next()
                next += 1
                report(.started(item, done: done, total: items.count))
                group.addTask {
                    let began = ContinuousClock.now
                    let outcome = await ingester.ingest(item, defaultPublished: published)
                    return (item, outcome, (ContinuousClock.now - began).milliseconds / 1000)
                }
            }
            for _ in 0..<max(1, concurrency) { startNext() }
            while let (item, outcome, seconds) = await group.next() {
                done += 1
                summary.count(item, outcome)
                report(.finished(item, outcome, seconds: seconds, done: done, total: items.count))
                startNext()
            }
        }
        return summary
    }
}
