import Foundation
import MicrocastCore
import Synchronization

extension ImportItem {
    /// What an importer read, as its report names it.
    struct Batch: Sendable {
        /// The show's or site's title.
        var title: String
        /// Everything the source lists, including what cannot be imported.
        var total: Int
        /// What the summary counts: episode, post, item.
        var noun: String
    }
}

extension ItemImporter {
    /// The one run of every importer once its source is read: what an
    /// earlier run brought in is counted and skipped, the rest is imported
    /// `concurrency` at a time.
    func importAll(
        _ all: [ImportItem],
        from batch: ImportItem.Batch,
        options: Options,
        concurrency: Int,
        report: @escaping @Sendable (ImportEvent) -> Void
    ) async throws -> ImportSummary {
        var pending: [ImportItem] = []
        var summary = ImportSummary()
        summary.noun = batch.noun
        for item in all {
            if let post = try await earlier(item) {
                summary.add(.alreadyImported(url: post), title: item.title)
            } else {
                pending.append(item)
            }
        }
        report(.feedRead(show: batch.title, total: batch.total, pending: pending.count))
        summary.merge(await runAll(pending, options: options, concurrency: concurrency, report: report))
        return summary
    }

    /// Brings `items` in, `concurrency` at a time, reporting each as it ends.
    func runAll(
        _ items: [ImportItem],
        options: Options,
        concurrency: Int,
        report: @escaping @Sendable (ImportEvent) -> Void
    ) async -> ImportSummary {
        var summary = ImportSummary()
        let bytes = ByteTally()
        await withTaskGroup(of: (String, ImportOutcome).self) { group in
            var next = items.makeIterator()
            func start() -> Bool {
                guard let item = next.next() else { return false }
                group.addTask {
                    report(.episodeStarted(title: item.title))
                    let outcome = await run(item, options: options, bytes: bytes, report: report)
                    report(.episodeFinished(title: item.title, outcome: outcome))
                    return (item.title, outcome)
                }
                return true
            }
            for _ in 0..<max(1, concurrency) where !start() { break }
            while let ended = await group.next() {
                summary.add(ended.1, title: ended.0)
                _ = start()
            }
        }
        return summary
    }
}

/// A count shared by concurrent downloads (bytes so far).
final class ByteTally: Sendable {
    private let value = Mutex<Int64>(0)

    /// Adds `bytes`; the new total.
    func add(_ bytes: Int64) -> Int64 {
        value.withLock { total in
            total += bytes
            return total
        }
    }

    /// Sets the count; the one before.
    func replace(with bytes: Int64) -> Int64 {
        value.withLock { count in
            let earlier = count
            count = bytes
            return earlier
        }
    }
}
