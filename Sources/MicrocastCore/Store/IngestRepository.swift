import Foundation

/// A post made from files dropped in a watched folder or named to `ingest`,
/// remembered by the hash of their bytes so the same bytes never post twice.
public struct IngestRecord: Sendable, Equatable, Codable {
    public var hash: String
    /// The file or folder name it came from.
    public var source: String
    public var postSlug: String
    public var createdAt: Date

    public init(hash: String, source: String, postSlug: String, createdAt: Date = Date()) {
        self.hash = hash
        self.source = source
        self.postSlug = postSlug
        self.createdAt = createdAt
    }
}

/// Files posted from a watched folder or `ingest`, by the hash of their bytes.
public protocol IngestRepository: Sendable {
    /// The post these bytes became, if they were posted before.
    func ingest(hash: String) async throws -> IngestRecord?
    /// Saves the post, records the hash and queues the jobs the post causes,
    /// in one transaction. If the hash is recorded already (another run got
    /// there first) nothing is saved and the earlier record is returned with `created` false.
    func createPost(
        _ post: Post,
        mediaIds: [String],
        ingestHash: String,
        source: String,
        jobs: PostJobs
    ) async throws
        -> (record: IngestRecord, created: Bool)
}
