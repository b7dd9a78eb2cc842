import Foundation
import MediaModel
import Testing

@testable import MicrocastCore
@testable import MicrocastStore

@Suite("SQLite store and job queue")
struct JobQueueTests {
    let store: SQLiteStore
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("microcast-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder.appendingPathComponent("test.sqlite").path)
    }

    func addPhoto(maxAttempts: Int = 3) async throws -> MediaItem {
        let item = MediaItem(
            id: MediaIdentifier.make(),
            kind: .photo,
            mimeType: "image/jpeg",
            fileExtension: "jpg",
            byteCount: 10,
            sha256: "00",
            probe: MediaProbe(kind: .photo, format: "jpeg", mimeType: "image/jpeg")
        )
        try await store.add(item, processing: JobRequest(kind: .photoRenditions, mediaId: item.id, maxAttempts: maxAttempts))
        return item
    }

    @Test("a claimed job is not claimed twice while its lease lasts, and is once it runs out")
    func leaseExpiry() async throws {
        let item = try await addPhoto()
        let first = try #require(try await store.claim(worker: "a", lease: 60, now: now))
        #expect(first.mediaId == item.id && first.attempts == 1)
        #expect(try await store.claim(worker: "b", lease: 60, now: now.addingTimeInterval(30)) == nil)
        // Worker "a" died: after the lease the job is taken again.
        let again = try #require(try await store.claim(worker: "b", lease: 60, now: now.addingTimeInterval(61)))
        #expect(again.id == first.id && again.attempts == 2)
    }

    @Test("a renewed lease keeps the job with its worker")
    func renew() async throws {
        _ = try await addPhoto()
        let job = try #require(try await store.claim(worker: "a", lease: 60, now: now))
        try await store.renewLease(jobId: job.id, worker: "a", until: now.addingTimeInterval(200))
        #expect(try await store.claim(worker: "b", lease: 60, now: now.addingTimeInterval(100)) == nil)
    }

    @Test("a failure is retried after its back-off, then ends failed with its reason")
    func retryThenFail() async throws {
        _ = try await addPhoto(maxAttempts: 2)
        let job = try #require(try await store.claim(worker: "a", lease: 60, now: now))
        try await store.fail(jobId: job.id, reason: "disk full", retryAt: now.addingTimeInterval(10), now: now)
        #expect(try await store.claim(worker: "a", lease: 60, now: now.addingTimeInterval(5)) == nil)
        let retry = try #require(try await store.claim(worker: "a", lease: 60, now: now.addingTimeInterval(11)))
        try await store.fail(jobId: retry.id, reason: "disk still full", retryAt: now.addingTimeInterval(30), now: now)
        let ended = try #require(try await store.job(id: job.id))
        #expect(ended.state == .failed)
        #expect(ended.lastError == "disk still full")
        #expect(try await store.claim(worker: "a", lease: 60, now: now.addingTimeInterval(100)) == nil)
    }

    @Test("a job whose worker crashed on every attempt ends failed instead of looping")
    func poisonJob() async throws {
        _ = try await addPhoto(maxAttempts: 1)
        let job = try #require(try await store.claim(worker: "a", lease: 60, now: now))
        #expect(try await store.claim(worker: "b", lease: 60, now: now.addingTimeInterval(61)) == nil)
        #expect(try await store.job(id: job.id)?.state == .failed)
    }

    @Test("a job released by a dead process at its attempts cap is failed with its media, never claimed again")
    func releasedAtCap() async throws {
        let item = try await addPhoto(maxAttempts: 2)
        for attempt in 1...2 {
            let job = try #require(try await store.claim(worker: "crashed-\(attempt)", lease: 600, now: now))
            #expect(job.attempts == attempt)
            // The process died; the next one to start releases its jobs at once.
            try await store.releaseLeases(ownedBy: "crashed-\(attempt)", now: now)
        }
        #expect(try await store.claim(worker: "next", lease: 600, now: now) == nil)
        let job = try #require(try await store.job(id: 1))
        #expect(job.state == .failed && job.lastError == "the worker stopped while processing this file 2 times")
        let media = try #require(try await store.media(id: item.id))
        #expect(media.state == .failed && media.failure == "the worker stopped while processing this file 2 times")
    }

    @Test("only a token's hash is stored, and it is found by that hash")
    func tokens() async throws {
        let token = Secrets.make()
        #expect(token.count >= 43)
        try await store.addToken(AccessToken(hash: Secrets.hash(token), scope: ScopeSet("create media")))
        let found = try #require(try await store.token(hash: Secrets.hash(token), now: now))
        #expect(found.scope.contains(.media) && !found.scope.contains(.delete))
        #expect(try await store.token(hash: Secrets.hash(token + "x"), now: now) == nil)
        #expect(Secrets.hash(token) != token)
    }

    @Test("two posts with the same slug get distinct permalinks")
    func slugs() async throws {
        let post = Post(slug: "hello", properties: ["content": [.string("hi")]], published: now)
        let first = try await store.create(post, mediaIds: [])
        let second = try await store.create(post, mediaIds: [])
        #expect(first.slug == "hello" && second.slug == "hello-2")
        #expect(try await store.publishedPosts(limit: 10, offset: 0).count == 2)
    }
}
