import Foundation
import GRDB
import MicrocastCore

/// A row of `posts`: the mf2 properties as JSON, plus the columns the site lists by.
struct PostRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "posts"
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let slug = Column(CodingKeys.slug)
        static let kind = Column(CodingKeys.kind)
        static let properties = Column(CodingKeys.properties)
        static let published = Column(CodingKeys.published)
        static let status = Column(CodingKeys.status)
        static let deletedAt = Column(CodingKeys.deletedAt)
    }

    var id: Int64?
    var slug: String
    var type: String
    var kind: PostKind
    var properties: String
    var published: Date
    var updated: Date?
    var status: Post.Status
    var deletedAt: Date?
    var createdAt: Date
    var syndicateTo: String
    /// The words it is found by (`SearchDocument`), which `postSearch` indexes.
    var searchTitle: String
    var searchBody: String

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    init(_ post: Post, createdAt: Date) throws {
        id = post.id
        slug = post.slug
        type = post.type
        kind = post.kind
        properties = String(decoding: try StoreJSON.encoder.encode(post.properties), as: UTF8.self)
        published = post.published
        updated = post.updated
        status = post.status
        deletedAt = post.deletedAt
        self.createdAt = createdAt
        syndicateTo = String(decoding: try StoreJSON.encoder.encode(post.syndicateTo), as: UTF8.self)
        let document = SearchDocument(post)
        searchTitle = document.title
        searchBody = document.body
    }

    func post() throws -> Post {
        Post(
            id: id,
            slug: slug,
            type: type,
            properties: try JSONDecoder().decode(MF2Properties.self, from: Data(properties.utf8)),
            published: published,
            updated: updated,
            status: status,
            deletedAt: deletedAt,
            syndicateTo: try JSONDecoder().decode([String].self, from: Data(syndicateTo.utf8))
        )
    }
}

extension QueryInterfaceRequest<PostRecord> {
    /// Published and not deleted, newest first.
    func publishedNewestFirst() -> Self {
        filter(PostRecord.Columns.status == Post.Status.published && PostRecord.Columns.deletedAt == nil)
            .order(PostRecord.Columns.published.desc, PostRecord.Columns.id.desc)
    }

    /// Those whose `category` holds `tag`.
    func tagged(_ tag: String) -> Self {
        filter(sql: "EXISTS (SELECT 1 FROM json_each(posts.properties, '$.category') WHERE json_each.value = ?)", arguments: [tag])
    }
}

/// A row of `postMedia`: which library media a post uses, in order.
struct PostMediaRecord: Codable, PersistableRecord {
    static let databaseTableName = "postMedia"
    enum Columns {
        static let postId = Column(CodingKeys.postId)
    }

    var postId: Int64
    var mediaId: String
    var position: Int
}

extension SQLiteStore: PostRepository {
    public func create(_ post: Post, mediaIds: [String], jobs: PostJobs) async throws -> Post {
        let saved = try await pool.write { db in
            let saved = try Self.insert(post, mediaIds: mediaIds, db)
            try Self.enqueue(jobs(saved), now: Date(), db)
            return saved
        }
        wakeUps.wakeAll()
        return saved
    }

    static func insert(_ post: Post, mediaIds: [String], _ db: Database) throws -> Post {
        var record = try PostRecord(post, createdAt: Date())
        record.slug = try uniqueSlug(post.slug, db)
        try record.insert(db)
        guard let postId = record.id else { throw StoreError("post insert returned no id") }
        try link(postId: postId, mediaIds: mediaIds, db)
        return try record.post()
    }

    public func post(slug: String) async throws -> Post? {
        try await pool.read { db in try PostRecord.filter(PostRecord.Columns.slug == slug).fetchOne(db)?.post() }
    }

    public func publishedPosts(limit: Int, offset: Int) async throws -> [Post] {
        try await pool.read { db in
            try PostRecord.all().publishedNewestFirst().limit(limit, offset: offset).fetchAll(db).map { try $0.post() }
        }
    }

    public func publishedPosts(kind: PostKind, limit: Int, offset: Int) async throws -> [Post] {
        try await pool.read { db in
            try PostRecord.filter(PostRecord.Columns.kind == kind).publishedNewestFirst().limit(limit, offset: offset).fetchAll(db)
                .map { try $0.post() }
        }
    }

    public func publishedPosts(tagged tag: String, limit: Int, offset: Int) async throws -> [Post] {
        try await pool.read { db in
            try PostRecord.all().publishedNewestFirst().tagged(tag).limit(limit, offset: offset).fetchAll(db).map { try $0.post() }
        }
    }

    public func publishedCount(tagged tag: String?) async throws -> Int {
        try await pool.read { db in
            let published = PostRecord.all().publishedNewestFirst()
            return try (tag.map { published.tagged($0) } ?? published).fetchCount(db)
        }
    }

    public func allPosts(limit: Int, offset: Int) async throws -> [Post] {
        try await pool.read { db in
            try PostRecord
                .filter(PostRecord.Columns.deletedAt == nil)
                .order(PostRecord.Columns.published.desc, PostRecord.Columns.id.desc)
                .limit(limit, offset: offset)
                .fetchAll(db)
                .map { try $0.post() }
        }
    }

    public func ownerPosts(kind: PostKind?, status: Post.Status?, deleted: Bool, limit: Int, offset: Int) async throws -> [Post] {
        try await pool.read { db in
            var request = PostRecord.filter(deleted ? PostRecord.Columns.deletedAt != nil : PostRecord.Columns.deletedAt == nil)
            if let kind { request = request.filter(PostRecord.Columns.kind == kind) }
            if let status { request = request.filter(PostRecord.Columns.status == status) }
            return try request.order(PostRecord.Columns.published.desc, PostRecord.Columns.id.desc).limit(limit, offset: offset)
                .fetchAll(db).map { try $0.post() }
        }
    }

    public func publishDue(now: Date, jobs: PostJobs) async throws -> [String] {
        let due = PostRecord.filter(PostRecord.Columns.status == Post.Status.scheduled && PostRecord.Columns.published <= now)
        // Asked every second: a read, and a write only when something is due.
        guard try await pool.read({ db in try due.fetchCount(db) }) > 0 else { return [] }
        let slugs = try await pool.write { db in
            var slugs: [String] = []
            for var record in try due.fetchAll(db) {
                record.status = .published
                try record.update(db)
                try Self.enqueue(jobs(try record.post()), now: now, db)
                slugs.append(record.slug)
            }
            return slugs
        }
        wakeUps.wakeAll()
        return slugs
    }

    public func update(_ post: Post, mediaIds: [String], jobs: PostJobs) async throws {
        try await pool.write { db in
            guard let existing = try PostRecord.filter(PostRecord.Columns.slug == post.slug).fetchOne(db), let postId = existing.id
            else { throw StoreError("no post \(post.slug)") }
            var record = try PostRecord(post, createdAt: existing.createdAt)
            record.id = postId
            try record.update(db)
            try Self.link(postId: postId, mediaIds: mediaIds, db)
            try Self.enqueue(jobs(post), now: Date(), db)
        }
        wakeUps.wakeAll()
    }

    @discardableResult
    public func setDeleted(slug: String, at date: Date?, jobs: PostJobs) async throws -> Post {
        let post = try await pool.write { db in
            guard var record = try PostRecord.filter(PostRecord.Columns.slug == slug).fetchOne(db) else { throw StoreError("no post \(slug)") }
            record.deletedAt = date
            try record.update(db)
            let post = try record.post()
            try Self.enqueue(jobs(post), now: Date(), db)
            return post
        }
        wakeUps.wakeAll()
        return post
    }

    public func contentStamp() async throws -> String {
        try await stamps.value {
            try await pool.read { db in String(try Int64.fetchOne(db, sql: "SELECT version FROM contentStamp WHERE id = 1") ?? 0) }
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
                arguments: [Post.Status.published]
            )
        }
    }

    static func link(postId: Int64, mediaIds: [String], _ db: Database) throws {
        try PostMediaRecord.filter(PostMediaRecord.Columns.postId == postId).deleteAll(db)
        for (position, mediaId) in mediaIds.enumerated() where try MediaRecord.exists(db, key: mediaId) {
            try PostMediaRecord(postId: postId, mediaId: mediaId, position: position).insert(db, onConflict: .ignore)
        }
    }

    /// `slug`, or `slug-2`, `slug-3`, ... whichever is free.
    static func uniqueSlug(_ slug: String, _ db: Database) throws -> String {
        var candidate = slug
        var suffix = 2
        while try PostRecord.filter(PostRecord.Columns.slug == candidate).fetchCount(db) > 0 {
            candidate = "\(slug)-\(suffix)"
            suffix += 1
        }
        return candidate
    }
}
