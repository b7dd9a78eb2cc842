import Foundation
import GRDB
import MicrocastCore

/// A row of `ingests`: the hash of posted bytes and the post they became.
struct IngestRecordRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "ingests"
    var hash: String
    var source: String
    var postSlug: String
    var createdAt: Date

    var record: IngestRecord { IngestRecord(hash: hash, source: source, postSlug: postSlug, createdAt: createdAt) }
}

extension SQLiteStore: IngestRepository {
    public func ingest(hash: String) async throws -> IngestRecord? {
        try await pool.read { db in try IngestRecordRow.fetchOne(db, key: hash)?.record }
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
        let result = try await pool.write { db in
            if let earlier = try IngestRecordRow.fetchOne(db, key: ingestHash) { return (earlier.record, false) }
            let saved = try Self.insert(post, mediaIds: mediaIds, db)
            let row = IngestRecordRow(hash: ingestHash, source: source, postSlug: saved.slug, createdAt: Date())
            try row.insert(db)
            try Self.enqueue(jobs(saved), now: Date(), db)
            return (row.record, true)
        }
        wakeUps.wakeAll()
        return result
    }
}
