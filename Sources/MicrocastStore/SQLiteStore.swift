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
        try await pool.write { db in try Self.insert(post, mediaIds: mediaIds, db) }
    }

    static func insert(_ post: Post, mediaIds: [String], _ db: Database) throws -> Post {
        var row = try PostRow(post, createdAt: Date())
        row.slug = try uniqueSlug(post.slug, db)
        try row.insert(db)
        guard let postId = row.id else { throw DatabaseError(message: "post insert returned no id") }
        try link(postId: postId, mediaIds: mediaIds, db)
        return try row.post()
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

    public func allPosts(limit: Int, offset: Int) async throws -> [Post] {
        try await pool.read { db in
            try PostRow
                .filter(Column("deletedAt") == nil)
                .order(Column("published").desc, Column("id").desc)
                .limit(limit, offset: offset)
                .fetchAll(db)
                .map { try $0.post() }
        }
    }

    public func update(_ post: Post, mediaIds: [String]) async throws {
        try await pool.write { db in
            guard var row = try PostRow.filter(Column("slug") == post.slug).fetchOne(db), let postId = row.id else {
                throw DatabaseError(message: "no post \(post.slug)")
            }
            let createdAt = row.createdAt
            row = try PostRow(post, createdAt: createdAt)
            row.id = postId
            try row.update(db)
            try Self.link(postId: postId, mediaIds: mediaIds, db)
        }
    }

    public func setDeleted(slug: String, at date: Date?) async throws {
        try await pool.write { db in
            _ = try PostRow.filter(Column("slug") == slug).updateAll(db, Column("deletedAt").set(to: date))
        }
    }

    public func contentStamp() async throws -> String {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT count(*) || ':' || ifnull(max(id), 0) || ':' || ifnull(max(updated), '') || ':'
                              || ifnull(max(deletedAt), '') || ':' || sum(deletedAt IS NULL) || ':' || sum(status = 'published') FROM posts),
                           (SELECT count(*) || ':' || sum(state = 'ready') || ':' || ifnull(max(createdAt), '') FROM media),
                           (SELECT count(*) || ':' || ifnull(max(id), 0) FROM renditions),
                           (SELECT group_concat(key || '=' || value) FROM settings)
                    """)
            return (0..<4).map { (row?[$0] as String?) ?? "" }.joined(separator: "|")
        }
    }

    public func categories() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT json_each.value FROM posts, json_each(posts.properties, '$.category')
                    WHERE posts.status = ? AND posts.deletedAt IS NULL AND json_each.type = 'text'
                    GROUP BY json_each.value ORDER BY COUNT(*) DESC, json_each.value
                    """,
                arguments: [Post.Status.published.rawValue])
        }
    }

    static func link(postId: Int64, mediaIds: [String], _ db: Database) throws {
        try PostMediaRow.filter(Column("postId") == postId).deleteAll(db)
        for (position, mediaId) in mediaIds.enumerated() where try MediaRow.exists(db, key: mediaId) {
            try PostMediaRow(postId: postId, mediaId: mediaId, position: position).insert(db, onConflict: .ignore)
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

    public func media(ids: [String]) async throws -> [String: MediaItem] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try MediaRow.filter(keys: ids).fetchAll(db).map { ($0.id, $0.item) })
        }
    }

    public func media(sha256: String) async throws -> MediaItem? {
        try await pool.read { db in
            try MediaRow
                .filter(Column("sha256") == sha256 && Column("state") != MediaItem.State.failed.rawValue)
                .order(Column("createdAt").desc)
                .fetchOne(db)?.item
        }
    }

    public func recentMedia(limit: Int, offset: Int) async throws -> [MediaItem] {
        try await pool.read { db in
            try MediaRow.order(Column("createdAt").desc, Column("id")).limit(limit, offset: offset).fetchAll(db).map(\.item)
        }
    }

    public func setAlt(mediaId: String, alt: String?) async throws {
        try await pool.write { db in
            _ = try MediaRow.filter(key: mediaId).updateAll(db, Column("alt").set(to: alt))
        }
    }

    public func posts(usingMedia id: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT posts.slug FROM postMedia JOIN posts ON posts.id = postMedia.postId WHERE postMedia.mediaId = ? ORDER BY posts.id",
                arguments: [id])
        }
    }

    public func remove(mediaId: String) async throws -> [String] {
        try await pool.write { db in
            let names = try String.fetchAll(
                db, sql: "SELECT fileName FROM renditions WHERE mediaId = ?", arguments: [mediaId])
            _ = try MediaRow.deleteOne(db, key: mediaId)
            return names
        }
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

    public func finishProcessing(mediaId: String, renditions: [Rendition], placeholder: String?) async throws {
        try await pool.write { db in
            try RenditionRow.filter(Column("mediaId") == mediaId).deleteAll(db)
            for rendition in renditions {
                var row = RenditionRow(rendition)
                try row.insert(db)
            }
            try MediaRow.filter(key: mediaId).updateAll(
                db, Column("state").set(to: MediaItem.State.ready.rawValue), Column("failure").set(to: nil),
                Column("placeholder").set(to: placeholder))
        }
    }

    public func failProcessing(mediaId: String, reason: String) async throws {
        try await pool.write { db in
            _ = try MediaRow.filter(key: mediaId).updateAll(
                db, Column("state").set(to: MediaItem.State.failed.rawValue), Column("failure").set(to: reason))
        }
    }
}

extension SQLiteStore: TokenRepository {
    public func addToken(_ token: AccessToken) async throws {
        try await pool.write { db in
            var row = TokenRow(token)
            try row.insert(db)
        }
    }

    public func token(hash: String, kind: AccessToken.Kind, now: Date) async throws -> AccessToken? {
        try await pool.read { db in
            try TokenRow
                .filter(Column("hash") == hash && Column("kind") == kind.rawValue && Column("revokedAt") == nil)
                .filter(Column("expiresAt") == nil || Column("expiresAt") > now)
                .fetchOne(db)?.token
        }
    }

    public func allTokens() async throws -> [AccessToken] {
        try await pool.read { db in try TokenRow.order(Column("id").desc).fetchAll(db).map(\.token) }
    }

    public func revokeToken(id: Int64, now: Date) async throws -> Bool {
        try await pool.write { db in
            guard let token = try TokenRow.fetchOne(db, key: id) else { return false }
            try Self.revokeGrant(token.grantId, db: db, now: now)
            return true
        }
    }

    public func revokeToken(hash: String, now: Date) async throws {
        try await pool.write { db in
            guard let token = try TokenRow.filter(Column("hash") == hash).fetchOne(db) else { return }
            try Self.revokeGrant(token.grantId, db: db, now: now)
        }
    }

    public func redeemRefreshToken(hash: String, now: Date) async throws -> RefreshRedemption {
        try await pool.write { db in
            guard var token = try TokenRow.filter(Column("hash") == hash && Column("kind") == AccessToken.Kind.refresh.rawValue).fetchOne(db),
                token.expiresAt.map({ $0 > now }) ?? true
            else { return .unknown }
            guard token.revokedAt == nil else {
                try Self.revokeGrant(token.grantId, db: db, now: now)
                return .reused
            }
            token.revokedAt = now
            try token.update(db)
            return .valid(token.token)
        }
    }

    static func revokeGrant(_ grant: String, db: Database, now: Date) throws {
        _ = try TokenRow.filter(Column("grantId") == grant && Column("revokedAt") == nil)
            .updateAll(db, Column("revokedAt").set(to: now))
    }
}

extension SQLiteStore: OwnerRepository {
    public func passphraseHash() async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT passwordHash FROM owner WHERE id = 1") }
    }

    public func setPassphraseHash(_ hash: String, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO owner (id, passwordHash, updatedAt) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET passwordHash = excluded.passwordHash, updatedAt = excluded.updatedAt",
                arguments: [hash, now])
            // A new passphrase signs every browser out.
            try db.execute(sql: "DELETE FROM sessions")
        }
    }

    public func addSession(hash: String, csrf: String, signedInAt: Date, expiresAt: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expiresAt <= ?", arguments: [signedInAt])
            try db.execute(
                sql: "INSERT INTO sessions (hash, csrf, signedInAt, expiresAt) VALUES (?, ?, ?, ?)",
                arguments: [hash, csrf, signedInAt, expiresAt])
        }
    }

    public func session(hash: String, now: Date) async throws -> OwnerSession? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT csrf, signedInAt FROM sessions WHERE hash = ? AND expiresAt > ?", arguments: [hash, now])
                .map { OwnerSession(csrf: $0["csrf"], signedInAt: $0["signedInAt"] ?? .distantPast) }
        }
    }

    public func confirmSession(hash: String, at date: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE sessions SET signedInAt = ? WHERE hash = ?", arguments: [date, hash])
        }
    }

    public func addCode(_ code: AuthorizationCode) async throws {
        try await pool.write { db in
            try AuthorizationCodeRow(
                hash: code.hash, clientId: code.clientId, redirectURI: code.redirectURI, codeChallenge: code.codeChallenge,
                scope: code.scope.description, expiresAt: code.expiresAt
            ).insert(db)
        }
    }

    public func redeemCode(hash: String, now: Date) async throws -> AuthorizationCode? {
        try await pool.write { db in
            guard var row = try AuthorizationCodeRow.fetchOne(db, key: hash), row.usedAt == nil else { return nil }
            row.usedAt = now
            try row.update(db)
            return row.expiresAt > now ? row.code : nil
        }
    }
}

extension SQLiteStore: SettingsRepository {
    public func settings() async throws -> [String: String] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM settings").map {
                ($0["key"] as String, $0["value"] as String)
            })
        }
    }

    /// Sets each value; a nil value removes the setting.
    public func setSettings(_ values: [String: String?]) async throws {
        try await pool.write { db in
            for (key, value) in values {
                if let value {
                    try db.execute(
                        sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        arguments: [key, value])
                } else {
                    try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [key])
                }
            }
        }
    }
}

extension SQLiteStore: IngestRepository {
    public func ingest(hash: String) async throws -> IngestRecord? {
        try await pool.read { db in try IngestRow.fetchOne(db, key: hash)?.record }
    }

    public func createPost(_ post: Post, mediaIds: [String], ingestHash: String, source: String) async throws
        -> (record: IngestRecord, created: Bool)
    {
        try await pool.write { db in
            if let earlier = try IngestRow.fetchOne(db, key: ingestHash) { return (earlier.record, false) }
            let saved = try Self.insert(post, mediaIds: mediaIds, db)
            let row = IngestRow(hash: ingestHash, source: source, postSlug: saved.slug, createdAt: Date())
            try row.insert(db)
            return (row.record, true)
        }
    }
}
