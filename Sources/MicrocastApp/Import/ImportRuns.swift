import Foundation
import Synchronization

/// The studio's import: one at a time, run beside the server's requests
/// (never in one), its progress kept in memory for the import page. A
/// process that stops stops its import; starting it again takes up where it
/// stopped, since an import skips what it brought in before.
public final class ImportRuns: Sendable {
    /// What the import page shows.
    public struct Status: Sendable, Equatable {
        public var feedURL: String
        public var startedAt: Date
        public var show = ""
        public var total = 0
        public var done = 0
        public var bytes: Int64 = 0
        public var current = ""
        public var notes: [String] = []
        public var failures: [ImportSummary.Failure] = []
        /// Set once it has ended: the summary, or why it did not start.
        public var finished: String?
        public var isRunning: Bool { finished == nil }
    }

    private let state = Mutex<Status?>(nil)
    public let importer: PodcastImporter

    init(importer: PodcastImporter) { self.importer = importer }

    /// The current or last import.
    public var status: Status? { state.withLock { $0 } }

    /// Starts an import unless one is running; false if one is.
    public func start(_ options: PodcastImportOptions) -> Bool {
        let started: Bool = state.withLock { status in
            if status?.isRunning == true { return false }
            status = Status(feedURL: options.feedURL.absoluteString, startedAt: Date())
            return true
        }
        guard started else { return false }
        // The import holds this board until it ends; the board lives as long as the server.
        Task.detached(priority: .utility) {
            let outcome: String
            do {
                outcome = try await self.importer.run(options) { event in self.record(event) }.text
            } catch {
                outcome = "\(error)"
            }
            self.state.withLock { $0?.finished = outcome }
        }
        return true
    }

    func record(_ event: ImportEvent) {
        state.withLock { current in
            guard var status = current else { return }
            switch event {
            case .feedRead(let show, _, let pending):
                status.show = show
                status.total = pending
            case .episodeStarted(let title): status.current = title
            case .downloaded(let bytes): status.bytes = max(status.bytes, bytes)
            case .episodeFinished(let title, let outcome):
                status.done += 1
                if case .failed(let reason) = outcome { status.failures.append(.init(title: title, reason: reason)) }
            case .note(let text): status.notes.append(text)
            }
            current = status
        }
    }
}
