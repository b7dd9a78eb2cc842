import Foundation
import GRDB
import MicrocastCore
import TestSupport
import Testing

@testable import MicrocastPostgres
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
        let jobs = try await store.jobs(subject: .media("aaaaaaaaaaaaaaaaaaaa"))
        #expect(jobs.map(\.kind) == [.photoRenditions] && jobs.first?.attempts == 1 && jobs.first?.state == .queued)
        let claimed = try await store.claim(worker: "w", lease: 60, now: Date(), kinds: JobKind.working(on: .media))
        #expect(claimed?.subject == .media("aaaaaaaaaaaaaaaaaaaa"))
        // A job of another subject needs no media row now.
        try await store.enqueue(JobRequest(kind: .sendMentions, subject: .post("a-post")), now: Date())
        #expect(try await store.integrityCheck() == "ok")
        await store.close()
    }
}

/// PostgreSQL databases written by earlier versions migrate with nothing lost.
@Suite("PostgreSQL migrations")
struct PostgresMigrationTests {
    @Test("a database from before conversations keeps its queued media jobs, now jobs of any subject")
    func jobsOfAnySubject() async throws {
        let url = try await PostgresCluster.shared.newDatabase()
        // The schema as version 1 left it, written by psql as that version would have.
        let script = try Fixtures.folder().appendingPathComponent("version1.sql")
        let statements =
            ["CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"]
            + Schema.migrations[0].statements
            + [
                "INSERT INTO schema_migrations (version, name) VALUES (1, 'posts, media, renditions, tokens, owner, settings, ingests, jobs')",
                """
                INSERT INTO media (id, kind, mime_type, file_extension, byte_count, sha256, probe, state, created_at)
                VALUES ('aaaaaaaaaaaaaaaaaaaa', 'photo', 'image/jpeg', 'jpg', 1, 'x', '{"kind":"photo","format":"jpeg","mimeType":"image/jpeg"}', 'processing', now())
                """,
                """
                INSERT INTO jobs (kind, media_id, state, attempts, max_attempts, run_after, created_at, updated_at)
                VALUES ('photo.renditions', 'aaaaaaaaaaaaaaaaaaaa', 'queued', 1, 5, now(), now(), now())
                """,
            ]
        try Data(statements.map { $0 + ";\n" }.joined().utf8).write(to: script)
        try await Fixtures.runOffPool("psql", ["-v", "ON_ERROR_STOP=1", "-q", "-f", script.path, url])

        let store = try await PostgresStore.open(url: url, connections: 2)
        let jobs = try await store.jobs(subject: .media("aaaaaaaaaaaaaaaaaaaa"))
        #expect(jobs.map(\.kind) == [.photoRenditions] && jobs.first?.attempts == 1 && jobs.first?.state == .queued)
        #expect(
            try await store.claim(worker: "w", lease: 60, now: Date(), kinds: JobKind.working(on: .media))?.subject == .media("aaaaaaaaaaaaaaaaaaaa")
        )
        try await store.enqueue(JobRequest(kind: .sendMentions, subject: .post("a-post")), now: Date())
        #expect(try await store.integrityCheck() == "ok")
        await store.close()
    }
}
