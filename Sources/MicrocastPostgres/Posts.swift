import Foundation
import MicrocastCore
import PostgresNIO

extension PostgresStore: PostRepository {
    static let postColumns = "id, slug, type, properties::text AS properties, published, updated, status, deleted_at, created_at, syndicate_to"

    static func post(_ row: PostgresRandomAccessRow) throws -> Post {
        Post(
            id: try row.value("id"),
            slug: try row.value("slug"),
            type: try row.value("type"),
            properties: try JSONDecoder().decode(MF2Properties.self, from: Data(try row.value("properties", as: String.self).utf8)),
            published: try row.value("published"),
            updated: try row.value("updated"),
            status: try row.value("status"),
            deletedAt: try row.value("deleted_at"),
            syndicateTo: try JSONDecoder().decode([String].self, from: Data(try row.value("syndicate_to", as: String.self).utf8))
        )
    }

    static func syndicateToJSON(_ post: Post) throws -> String {
        String(decoding: try StoreJSON.encoder.encode(post.syndicateTo), as: UTF8.self)
    }

    static func propertiesJSON(_ post: Post) throws -> String {
        String(decoding: try StoreJSON.encoder.encode(post.properties), as: UTF8.self)
    }

    public func create(_ post: Post, mediaIds: [String], jobs: PostJobs) async throws -> Post {
        try await transaction { connection in
            let saved = try await Self.insert(post, mediaIds: mediaIds, createdAt: Date(), on: connection, logger: logger)
            try await Self.enqueue(jobs(saved), now: Date(), on: connection, logger: logger)
            return saved
        }
    }

    static func insert(_ post: Post, mediaIds: [String], createdAt: Date, on connection: PostgresConnection, logger: Logger) async throws -> Post {
        // Two processes creating "hello" at once must end with "hello" and
        // "hello-2", not a unique-key error: slugs are handed out one at a time.
        try await connection.execute("SELECT pg_advisory_xact_lock(\(Schema.slugLockKey))", logger: logger)
        let slug = try await uniqueSlug(post.slug, on: connection, logger: logger)
        let json = try propertiesJSON(post)
        let syndicateTo = try syndicateToJSON(post)
        let words = SearchDocument(post)
        let rows = try await connection.rows(
            """
            INSERT INTO posts (slug, type, kind, properties, published, updated, status, deleted_at, created_at, syndicate_to, search_title, search_body)
            VALUES (\(slug), \(post.type), \(post.kind), \(json)::jsonb, \(post.published), \(post.updated), \(post.status), \(post.deletedAt), \(createdAt),
              \(syndicateTo), \(words.title), \(words.body))
            RETURNING \(unescaped: postColumns)
            """,
            logger: logger
        )
        guard let row = rows.first else { throw StoreError("post insert returned no row") }
        let saved = try Self.post(row)
        try await link(postId: saved.id ?? 0, mediaIds: mediaIds, on: connection, logger: logger)
        return saved
    }

    public func post(slug: String) async throws -> Post? {
        try await rows("SELECT \(unescaped: Self.postColumns) FROM posts WHERE slug = \(slug)").first.map(Self.post)
    }

    /// Published and not deleted, newest first: the condition and order every public list shares.
    static let published = "status = 'published' AND deleted_at IS NULL"
    static let newestFirst = "ORDER BY published DESC, id DESC"

    public func publishedPosts(limit: Int, offset: Int) async throws -> [Post] {
        try await rows(
            """
            SELECT \(unescaped: Self.postColumns) FROM posts WHERE \(unescaped: Self.published)
            \(unescaped: Self.newestFirst) LIMIT \(Int64(clamping: limit)) OFFSET \(Int64(offset))
            """
        ).map(Self.post)
    }

    public func publishedPosts(kind: PostKind, limit: Int, offset: Int) async throws -> [Post] {
        try await rows(
            """
            SELECT \(unescaped: Self.postColumns) FROM posts WHERE kind = \(kind) AND \(unescaped: Self.published)
            \(unescaped: Self.newestFirst) LIMIT \(Int64(clamping: limit)) OFFSET \(Int64(offset))
            """
        ).map(Self.post)
    }

    public func publishedPosts(tagged tag: String, limit: Int, offset: Int) async throws -> [Post] {
        try await rows(
            """
            SELECT \(unescaped: Self.postColumns) FROM posts
            WHERE \(unescaped: Self.published) AND properties -> 'category' @> jsonb_build_array(\(tag)::text)
            \(unescaped: Self.newestFirst) LIMIT \(Int64(clamping: limit)) OFFSET \(Int64(offset))
            """
        ).map(Self.post)
    }

    public func publishedCount(tagged tag: String?) async throws -> Int {
        let rows: [PostgresRandomAccessRow]
        if let tag {
            rows = try await self.rows(
                """
                SELECT count(*) AS n FROM posts
                WHERE \(unescaped: Self.published) AND properties -> 'category' @> jsonb_build_array(\(tag)::text)
                """
            )
        } else {
            rows = try await self.rows("SELECT count(*) AS n FROM posts WHERE \(unescaped: Self.published)")
        }
        return Int(try rows.first?.value("n", as: Int64.self) ?? 0)
    }

    public func allPosts(limit: Int, offset: Int) async throws -> [Post] {
        try await rows(
            """
            SELECT \(unescaped: Self.postColumns) FROM posts WHERE deleted_at IS NULL
            \(unescaped: Self.newestFirst) LIMIT \(Int64(clamping: limit)) OFFSET \(Int64(offset))
            """
        ).map(Self.post)
    }

    public func ownerPosts(kind: PostKind?, status: Post.Status?, deleted: Bool, limit: Int, offset: Int) async throws -> [Post] {
        try await rows(
            """
            SELECT \(unescaped: Self.postColumns) FROM posts
            WHERE (deleted_at IS NOT NULL) = \(deleted)
              AND (\(kind)::text IS NULL OR kind = \(kind)::text)
              AND (\(status)::text IS NULL OR status = \(status)::text)
            \(unescaped: Self.newestFirst) LIMIT \(Int64(clamping: limit)) OFFSET \(Int64(offset))
            """
        ).map(Self.post)
    }

    public func publishDue(now: Date, jobs: PostJobs) async throws -> [String] {
        // Asked every second: a read, and a write only when something is due.
        let due = try await rows("SELECT 1 FROM posts WHERE status = \(Post.Status.scheduled) AND published <= \(now) LIMIT 1")
        guard !due.isEmpty else { return [] }
        return try await transaction { connection in
            let published = try await connection.rows(
                """
                UPDATE posts SET status = \(Post.Status.published) WHERE status = \(Post.Status.scheduled) AND published <= \(now)
                RETURNING \(unescaped: Self.postColumns)
                """,
                logger: logger
            ).map(Self.post)
            for post in published { try await Self.enqueue(jobs(post), now: now, on: connection, logger: logger) }
            return published.map(\.slug)
        }
    }

    public func update(_ post: Post, mediaIds: [String], jobs: PostJobs) async throws {
        let json = try Self.propertiesJSON(post)
        let syndicateTo = try Self.syndicateToJSON(post)
        let words = SearchDocument(post)
        try await transaction { connection in
            let rows = try await connection.rows(
                """
                UPDATE posts SET type = \(post.type), kind = \(post.kind), properties = \(json)::jsonb, published = \(post.published),
                  updated = \(post.updated), status = \(post.status), deleted_at = \(post.deletedAt), syndicate_to = \(syndicateTo),
                  search_title = \(words.title), search_body = \(words.body)
                WHERE slug = \(post.slug) RETURNING id
                """,
                logger: logger
            )
            guard let postId = try rows.first?.value("id", as: Int64.self) else { throw StoreError("no post \(post.slug)") }
            try await Self.link(postId: postId, mediaIds: mediaIds, on: connection, logger: logger)
            try await Self.enqueue(jobs(post), now: Date(), on: connection, logger: logger)
        }
    }

    @discardableResult
    public func setDeleted(slug: String, at date: Date?, jobs: PostJobs) async throws -> Post {
        try await transaction { connection in
            let rows = try await connection.rows(
                "UPDATE posts SET deleted_at = \(date) WHERE slug = \(slug) RETURNING \(unescaped: Self.postColumns)",
                logger: logger
            )
            guard let post = try rows.first.map(Self.post) else { throw StoreError("no post \(slug)") }
            try await Self.enqueue(jobs(post), now: Date(), on: connection, logger: logger)
            return post
        }
    }

    public func categories() async throws -> [String] {
        try await rows(
            """
            SELECT c.value #>> '{}' AS category
            FROM posts, jsonb_array_elements(CASE jsonb_typeof(properties -> 'category') WHEN 'array' THEN properties -> 'category' ELSE '[]'::jsonb END) AS c(value)
            WHERE \(unescaped: Self.published) AND jsonb_typeof(c.value) = 'string'
            GROUP BY 1 ORDER BY count(*) DESC, (c.value #>> '{}') COLLATE "C"
            """
        ).map { try $0.value("category") }
    }

    public func contentStamp() async throws -> String {
        String(try await rows("SELECT version FROM content_stamp WHERE id = 1").first?.value("version", as: Int64.self) ?? 0)
    }

    static func link(postId: Int64, mediaIds: [String], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute("DELETE FROM post_media WHERE post_id = \(postId)", logger: logger)
        // Ids that are not media of ours (a photo given by URL) are skipped, as SQLite skips them.
        for (position, mediaId) in mediaIds.enumerated() {
            try await connection.execute(
                """
                INSERT INTO post_media (post_id, media_id, position)
                SELECT \(postId), id, \(Int64(position)) FROM media WHERE id = \(mediaId)
                ON CONFLICT DO NOTHING
                """,
                logger: logger
            )
        }
    }

    /// `slug`, or `slug-2`, `slug-3`, ... whichever is free.
    static func uniqueSlug(_ slug: String, on connection: PostgresConnection, logger: Logger) async throws -> String {
        var candidate = slug
        var suffix = 2
        while try await !connection.rows("SELECT 1 FROM posts WHERE slug = \(candidate)", logger: logger).isEmpty {
            candidate = "\(slug)-\(suffix)"
            suffix += 1
        }
        return candidate
    }
}
