import Foundation
import GRDB
import MicrocastCore
import TestSupport
import Testing

@testable import MicrocastStore

/// Data folders written by earlier versions open in this one with nothing lost.
@Suite("SQLite migrations")
struct MigrationTests {
    @Test("a data folder from before conversations keeps its queued media jobs, now jobs of any subject")
    func jobsOfAnySubject() async throws {
        let path = try Fixtures.folder().appendingPathComponent("old.sqlite").path
        let old = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(old, upTo: "8 post kinds, token use, one content stamp")
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO media (id, kind, mimeType, fileExtension, byteCount, sha256, probe, state, createdAt)
                    VALUES ('aaaaaaaaaaaaaaaaaaaa', 'photo', 'image/jpeg', 'jpg', 1, 'x', '{"kind":"photo","format":"jpeg","mimeType":"image/jpeg"}', 'processing', '2026-01-01 00:00:00.000');
                    INSERT INTO jobs (kind, mediaId, state, attempts, maxAttempts, runAfter, createdAt, updatedAt)
                    VALUES ('photo.renditions', 'aaaaaaaaaaaaaaaaaaaa', 'queued', 1, 5, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');
                    """
            )
        }
        try old.close()

        let store = try SQLiteStore(path: path)
        let jobs = try await store.jobs(subject: "aaaaaaaaaaaaaaaaaaaa")
        #expect(jobs.map(\.kind) == [.photoRenditions] && jobs.first?.attempts == 1 && jobs.first?.state == .queued)
        let claimed = try await store.claim(worker: "w", lease: 60, now: Date(), kinds: JobKind.media)
        #expect(claimed?.subject == "aaaaaaaaaaaaaaaaaaaa")
        // A job of another subject needs no media row now.
        try await store.enqueue(JobRequest(kind: .sendMentions, subject: "a-post"), now: Date())
        #expect(try await store.integrityCheck() == "ok")
        await store.close()
    }
}
