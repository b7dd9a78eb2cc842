import Foundation
import GRDB
import MicrocastCore

/// The embedded store: one SQLite file in WAL mode, shared by the server, the
/// worker pool and the CLI (several readers, one writer at a time).
public final class SQLiteStore: Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        var configuration = Configuration()
        // The CLI and a running server may write at the same moment.
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Migrations.migrator.migrate(pool)
    }
}

extension SQLiteStore: PostRepository {
    public func create(_ post: Post, mediaIds: [String]) async throws -> Post {
        try await pool.write { db in
            var row = try PostRow(post, createdAt: Date())
            row.slug = try Self.uniqueSlug(post.slug, db)
            try row.insert(db)
            guard let postId = row.id else { throw DatabaseError(message: "post insert returned no id") }
            for (position, mediaId) in mediaIds.enumerated() where try MediaRow.exists(db, key: mediaId) {
                try PostMediaRow(postId: postId, mediaId: mediaId, position: position).insert(db, onConflict: .ignore)
            }
            return try row.post()
        }
    }

    public func post(slug: String) async throws -> Post? {
        try await pool.read { db in try PostRow.filter(Column("slug") == slug).fetchOne(db)?.post() }
    }

    public func publishedPosts(limit: Int, offset: Int) async throws -> [Post] {
        try await pool.read { db in
            try PostRow
                .filter(Column("status") == Post.Status.published.rawValue && Column("deletedAt") == nil)
                .order(Column("published").desc, Column("id").desc)
                .limit(limit, offset: offset)
                .fetchAll(db)
                .map { try $0.post() }
        }
    }

    /// `slug`, or `slug-2`, `slug-3`, ... whichever is free.
    static func uniqueSlug(_ slug: String, _ db: Database) throws -> String {
        var candidate = slug
        var suffix = 2
        while try PostRow.filter(Column("slug") == candidate).fetchCount(db) > 0 {
            candidate = "\(slug)-\(suffix)"
            suffix += 1
        }
        return candidate
    }
}

extension SQLiteStore: MediaRepository {
    public func add(_ item: MediaItem, processing: JobRequest?) async throws {
        try await pool.write { db in
            try MediaRow(item).insert(db)
            if let processing {
                let now = Date()
                var job = JobRow(
                    kind: processing.kind, mediaId: processing.mediaId, state: Job.State.queued.rawValue,
                    attempts: 0, maxAttempts: processing.maxAttempts, runAfter: now, createdAt: now, updatedAt: now)
                try job.insert(db)
            }
        }
    }

    public func media(id: String) async throws -> MediaItem? {
        try await pool.read { db in try MediaRow.fetchOne(db, key: id)?.item }
    }

    public func renditions(forMedia ids: [String]) async throws -> [String: [Rendition]] {
        try await pool.read { db in
            let rows = try RenditionRow
                .filter(ids.contains(Column("mediaId")))
                .order(Column("width"), Column("format"))
                .fetchAll(db)
            return Dictionary(grouping: rows.map(\.rendition), by: \.mediaId)
        }
    }

    public func finishProcessing(mediaId: String, renditions: [Rendition]) async throws {
        try await pool.write { db in
            try RenditionRow.filter(Column("mediaId") == mediaId).deleteAll(db)
            for rendition in renditions {
                var row = RenditionRow(rendition)
                try row.insert(db)
            }
            try MediaRow.filter(key: mediaId).updateAll(
                db, Column("state").set(to: MediaItem.State.ready.rawValue), Column("failure").set(to: nil))
        }
    }

    public func failProcessing(mediaId: String, reason: String) async throws {
        try await pool.write { db in
            try MediaRow.filter(key: mediaId).updateAll(
                db, Column("state").set(to: MediaItem.State.failed.rawValue), Column("failure").set(to: reason))
        }
    }
}

extension SQLiteStore: TokenRepository {
    public func addToken(_ token: AccessToken) async throws {
        try await pool.write { db in
            var row = TokenRow(
                hash: token.hash, scope: token.scope.description, clientId: token.clientId,
                createdAt: token.createdAt, expiresAt: token.expiresAt)
            try row.insert(db)
        }
    }

    public func token(hash: String, now: Date) async throws -> AccessToken? {
        try await pool.read { db in
            try TokenRow
                .filter(Column("hash") == hash && Column("revokedAt") == nil)
                .filter(Column("expiresAt") == nil || Column("expiresAt") > now)
                .fetchOne(db)?.token
        }
    }
}
