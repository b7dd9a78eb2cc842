import Foundation
import Logging
import MediaModel
import MicrocastApp
import MicrocastCore
import MicrocastStore
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// The job runner and its registry, on the real SQLite store, with handlers
/// the test declares: what each outcome does to the job and its subject.
@Suite("Job runner")
struct JobRunnerTests {
    /// A handler whose tries go as the test scripts them.
    final class Scripted: JobHandler {
        let kind: JobKind
        let pool: JobPool
        private let outcomes: Mutex<[Outcome]>
        private let tries = Mutex(0)
        enum Outcome: Sendable {
            case done(JobResult)
            case postpone, giveUp, fail
        }

        init(kind: JobKind, pool: JobPool = .media, _ outcomes: [Outcome]) {
            self.kind = kind
            self.pool = pool
            self.outcomes = Mutex(outcomes)
        }

        var triesSoFar: Int { tries.withLock { $0 } }
        func backoff(attempt: Int) -> TimeInterval { 0 }

        func run(_ job: Job) async throws -> JobDone {
            tries.withLock { $0 += 1 }
            let next = outcomes.withLock { $0.isEmpty ? Outcome.fail : $0.removeFirst() }
            switch next {
            case .done(let result): return JobDone(result, summary: "done")
            case .postpone: throw JobSetback.postpone("not its turn", after: 0)
            case .giveUp: throw JobSetback.giveUp("the file is at fault")
            case .fail: throw TestFailure()
            }
        }
    }

    struct TestFailure: Error {}

    func store() throws -> SQLiteStore {
        try SQLiteStore(path: try Fixtures.folder().appendingPathComponent("jobs.sqlite").path)
    }

    func item(_ id: String) -> MediaItem {
        MediaItem(
            id: id,
            kind: .photo,
            mimeType: "image/jpeg",
            fileExtension: "jpg",
            byteCount: 1,
            sha256: id,
            probe: MediaProbe(kind: .photo, format: "jpeg", mimeType: "image/jpeg"),
            state: .processing
        )
    }

    /// Runs the runner until `condition` holds, then stops it.
    func run(_ runner: JobRunner, until condition: @escaping @Sendable () async throws -> Bool) async throws {
        let group = ServiceGroup(configuration: .init(services: [runner], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = ContinuousClock.now + .seconds(600)
            while try await !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func runner(_ store: SQLiteStore, _ handlers: [any JobHandler]) -> JobRunner {
        JobRunner(
            queue: store,
            registry: JobRegistry(handlers),
            loops: [.media: 1, .verification: 1, .delivery: 1],
            pollInterval: .milliseconds(20),
            lease: 30,
            logger: Logger(label: "test")
        )
    }

    @Test("a postponed try spends no attempt; a failed one is tried again; the result is written with the job's end, item and job together")
    func outcomes() async throws {
        let store = try store()
        try await store.add(item("aaaaaaaaaaaaaaaaaaaa"), processing: JobRequest(kind: .photoRenditions, subject: .media("aaaaaaaaaaaaaaaaaaaa")))
        let done = JobResult.mediaProcessed(mediaId: "aaaaaaaaaaaaaaaaaaaa", renditions: [], placeholder: "#102030")
        let handler = Scripted(kind: .photoRenditions, [.postpone, .postpone, .fail, .done(done)])
        try await run(runner(store, [handler])) { try await store.media(id: "aaaaaaaaaaaaaaaaaaaa")?.state == .ready }
        let job = try #require(try await store.jobs(subject: .media("aaaaaaaaaaaaaaaaaaaa")).first)
        #expect(handler.triesSoFar == 4)
        #expect(job.state == .done && job.attempts == 2, "two postponements spent nothing, the failure one attempt: \(job)")
        #expect(try await store.media(id: "aaaaaaaaaaaaaaaaaaaa")?.placeholder == "#102030")
    }

    @Test("giving up fails the job and its media item together, with the reason, after one try")
    func givingUp() async throws {
        let store = try store()
        try await store.add(item("bbbbbbbbbbbbbbbbbbbb"), processing: JobRequest(kind: .videoWeb, subject: .media("bbbbbbbbbbbbbbbbbbbb")))
        let handler = Scripted(kind: .videoWeb, [.giveUp])
        try await run(runner(store, [handler])) { try await store.media(id: "bbbbbbbbbbbbbbbbbbbb")?.state == .failed }
        let job = try #require(try await store.jobs(subject: .media("bbbbbbbbbbbbbbbbbbbb")).first)
        #expect(job.state == .failed && job.attempts == 1 && job.lastError == "the file is at fault")
        #expect(try await store.media(id: "bbbbbbbbbbbbbbbbbbbb")?.failure == "the file is at fault")
    }

    @Test("each pool runs only its own kinds: a stuck media job does not hold up a delivery")
    func poolsApart() async throws {
        let store = try store()
        try await store.add(item("cccccccccccccccccccc"), processing: JobRequest(kind: .audioEpisode, subject: .media("cccccccccccccccccccc")))
        try await store.enqueue(JobRequest(kind: .sendMentions, subject: .post("hello")), now: Date())
        // The media job keeps being postponed (never done); the delivery runs beside it.
        let media = Scripted(kind: .audioEpisode, Array(repeating: .postpone, count: 10_000))
        let delivery = Scripted(kind: .sendMentions, pool: .delivery, [.done(.nothing)])
        try await run(runner(store, [media, delivery])) { try await store.jobs(subject: .post("hello")).first?.state == .done }
        #expect(delivery.triesSoFar == 1 && media.triesSoFar >= 1)
    }

    @Test("each pool lists only the kinds registered for it")
    func registry() {
        let registry = JobRegistry([Scripted(kind: .photoRenditions, []), Scripted(kind: .sendMentions, pool: .delivery, [])])
        #expect(registry.kinds(in: .media) == [.photoRenditions])
        #expect(registry.kinds(in: .delivery) == [.sendMentions])
        #expect(registry.kinds(in: .verification).isEmpty)
    }
}
