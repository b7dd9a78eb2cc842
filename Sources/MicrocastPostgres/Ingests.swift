import Foundation
import MicrocastCore
import PostgresNIO

extension PostgresStore: IngestRepository {
    static func ingest(_ row: PostgresRandomAccessRow) throws -> IngestRecord {
        IngestRecord(
            hash: try row.value("hash"),
            source: try row.value("source"),
            postSlug: try row.value("post_slug"),
            createdAt: try row.value("created_at")
        )
    }

    public func ingest(hash: String) async throws -> IngestRecord? {
        try await rows("SELECT hash, source, post_slug, created_at FROM ingests WHERE hash = \(hash)").first.map(Self.ingest)
    }

    public func createPost(
        _ post: Post,
        mediaIds: [String],
        ingestHash: String,
        source: String,
        jobs: PostJobs
    ) async throws
        -> (record: IngestRecord, created: Bool)
    {
        try await transaction { connection in
            // Two watchers taking the same file: the second waits here, then finds the first's post.
            try await connection.execute("SELECT pg_advisory_xact_lock(hashtext(\(ingestHash)))", logger: logger)
            if let earlier = try await connection.rows(
                "SELECT hash, source, post_slug, created_at FROM ingests WHERE hash = \(ingestHash)",
                logger: logger
            ).first {
                return (try Self.ingest(earlier), false)
            }
            let saved = try await Self.insert(post, mediaIds: mediaIds, createdAt: Date(), on: connection, logger: logger)
            let record = IngestRecord(hash: ingestHash, source: source, postSlug: saved.slug, createdAt: Date())
            try await connection.execute(
                """
                INSERT INTO ingests (hash, source, post_slug, created_at)
                VALUES (\(record.hash), \(record.source), \(record.postSlug), \(record.createdAt))
                """,
                logger: logger
            )
            try await Self.enqueue(jobs(saved), now: Date(), on: connection, logger: logger)
            return (record, true)
        }
    }
}
