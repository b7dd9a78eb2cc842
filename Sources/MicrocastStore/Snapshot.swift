import Foundation
import GRDB
import MicrocastCore

extension SQLiteStore {
    public func snapshot() async throws -> StoreSnapshot {
        try await pool.read { db in
            var snapshot = StoreSnapshot()
            snapshot.posts = try PostRecord.order(PostRecord.Columns.id).fetchAll(db).map {
                StoreSnapshot.PostRow(post: try $0.post(), createdAt: $0.createdAt)
            }
            snapshot.postMedia = try Row.fetchAll(db, sql: "SELECT postId, mediaId, position FROM postMedia ORDER BY postId, position, mediaId")
                .map { StoreSnapshot.PostMediaRow(postId: $0["postId"], mediaId: $0["mediaId"], position: $0["position"]) }
            snapshot.media = try MediaRecord.order(MediaRecord.Columns.createdAt, MediaRecord.Columns.id).fetchAll(db).map(\.item)
            snapshot.renditions = try RenditionRecord.order(Column("id")).fetchAll(db).map { try $0.rendition() }
            let recorded = try String.fetchAll(db, sql: "SELECT mediaId FROM transcripts ORDER BY mediaId")
            snapshot.transcripts = try Self.transcripts(forMedia: recorded, db).values.sorted { $0.mediaId < $1.mediaId }
            snapshot.tokens = try TokenRecord.order(TokenRecord.Columns.id).fetchAll(db).map(\.token)
            if let row = try Row.fetchOne(db, sql: "SELECT passwordHash, updatedAt FROM owner WHERE id = 1") {
                snapshot.owner = StoreSnapshot.OwnerRow(passphraseHash: row["passwordHash"], updatedAt: row["updatedAt"])
            }
            snapshot.sessions = try SessionRecord.order(SessionRecord.Columns.hash).fetchAll(db).map {
                StoreSnapshot.SessionRow(hash: $0.hash, csrf: $0.csrf, signedInAt: $0.signedInAt, expiresAt: $0.expiresAt)
            }
            snapshot.codes = try AuthorizationCodeRecord.order(Column("hash")).fetchAll(db).map {
                StoreSnapshot.CodeRow(code: $0.code, usedAt: $0.usedAt)
            }
            snapshot.settings = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM settings").map {
                    ($0["key"] as String, $0["value"] as String)
                }
            )
            snapshot.ingests = try IngestRecordRow.order(Column("hash")).fetchAll(db).map(\.record)
            snapshot.jobs = try JobRecord.order(JobRecord.Columns.id).fetchAll(db).map {
                StoreSnapshot.JobRow(job: $0.job, runAfter: $0.runAfter, leaseUntil: $0.leaseUntil, createdAt: $0.createdAt, updatedAt: $0.updatedAt)
            }
            snapshot.mentions = try MentionRecord.order(MentionRecord.Columns.id).fetchAll(db).map(\.mention)
            snapshot.sentMentions = try SentMentionRecord.order(Column("postSlug"), Column("target")).fetchAll(db).map(\.sent)
            snapshot.citations = try CitationRecord.order(Column("url")).fetchAll(db).map(\.citation)
            snapshot.downloads = try Self.downloads(db)
            snapshot.syndicationAccounts = try SyndicationAccountRecord.order(Column("uid")).fetchAll(db).map { try $0.columns.account() }
            snapshot.copies = try SyndicationCopyRecord.order(Column("postSlug"), Column("accountUid")).fetchAll(db).map(\.copy)
            snapshot.followers = try FollowerRecord.order(Column("actorId")).fetchAll(db).map(\.follower)
            snapshot.redirects = try RedirectRecord.order(Column("path")).fetchAll(db).map(\.redirect)
            snapshot.follows = try FollowRecord.order(Column("id")).fetchAll(db).map { try $0.follow() }
            snapshot.timeline = try TimelineRecord.order(Column("id")).fetchAll(db).map { try $0.item() }
            return snapshot
        }
    }

    public func restore(_ snapshot: StoreSnapshot) async throws {
        try await pool.write { db in
            let present = try Self.tablesWithRows(db)
            guard present.isEmpty else { throw StoreCopyError.targetNotEmpty(present.joined(separator: ", ")) }
            for row in snapshot.posts {
                var record = try PostRecord(row.post, createdAt: row.createdAt)
                try record.insert(db)
            }
            for item in snapshot.media { try MediaRecord(item).insert(db) }
            for row in snapshot.postMedia {
                try PostMediaRecord(postId: row.postId, mediaId: row.mediaId, position: row.position).insert(db)
            }
            for transcript in snapshot.transcripts { try Self.record(transcript, renditions: nil, replacingEdits: true, db) }
            for rendition in snapshot.renditions {
                var record = RenditionRecord(rendition)
                try record.insert(db)
            }
            for token in snapshot.tokens {
                var record = TokenRecord(token)
                try record.insert(db)
            }
            if let owner = snapshot.owner {
                try db.execute(
                    sql: "INSERT INTO owner (id, passwordHash, updatedAt) VALUES (1, ?, ?)",
                    arguments: [owner.passphraseHash, owner.updatedAt]
                )
            }
            for row in snapshot.sessions {
                try SessionRecord(hash: row.hash, csrf: row.csrf, signedInAt: row.signedInAt, expiresAt: row.expiresAt).insert(db)
            }
            for row in snapshot.codes {
                let code = row.code
                try AuthorizationCodeRecord(
                    hash: code.hash,
                    clientId: code.clientId,
                    redirectURI: code.redirectURI,
                    codeChallenge: code.codeChallenge,
                    scope: code.scope,
                    expiresAt: code.expiresAt,
                    usedAt: row.usedAt
                ).insert(db)
            }
            for (key, value) in snapshot.settings {
                try db.execute(sql: "INSERT INTO settings (key, value) VALUES (?, ?)", arguments: [key, value])
            }
            for ingest in snapshot.ingests {
                try IngestRecordRow(hash: ingest.hash, source: ingest.source, postSlug: ingest.postSlug, createdAt: ingest.createdAt).insert(db)
            }
            for row in snapshot.jobs {
                var record = JobRecord(row)
                try record.insert(db)
            }
            for mention in snapshot.mentions { try MentionRecord(mention).insert(db) }
            for sent in snapshot.sentMentions { try SentMentionRecord(sent).insert(db) }
            for citation in snapshot.citations { try CitationRecord(citation).insert(db) }
            for account in snapshot.syndicationAccounts { try SyndicationAccountRecord(try SyndicationAccountColumns(account)).insert(db) }
            for copy in snapshot.copies { try SyndicationCopyRecord(copy).insert(db) }
            for follower in snapshot.followers { try FollowerRecord(follower).insert(db) }
            for redirect in snapshot.redirects { try RedirectRecord(redirect).insert(db) }
            for follow in snapshot.follows {
                var record = FollowRecord(follow)
                try record.insert(db)
            }
            for item in snapshot.timeline {
                var record = try TimelineRecord(item)
                try record.insert(db)
            }
            for count in snapshot.downloads {
                try db.execute(
                    sql: "INSERT INTO downloads (episode, day, app, count) VALUES (?, ?, ?, ?)",
                    arguments: [count.episode, count.day, count.app.rawValue, count.count]
                )
            }
        }
    }

    /// The tables that hold rows; the schema's own bookkeeping is not counted.
    static func tablesWithRows(_ db: Database) throws -> [String] {
        let tables = [
            "posts", "media", "renditions", "postMedia", "tokens", "owner", "sessions", "authorizationCodes", "settings", "ingests", "jobs",
            "mentions", "sentMentions", "citations", "downloads", "syndicationAccounts", "syndicationCopies", "followers",
            "redirects", "follows", "timeline", "transcripts",
        ]
        return try tables.filter { try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \($0))") ?? false }
    }

    public func close() async {}
}

extension JobRecord {
    init(_ row: StoreSnapshot.JobRow) {
        id = row.job.id
        kind = row.job.kind
        subject = row.job.subject.key
        state = row.job.state
        attempts = row.job.attempts
        maxAttempts = row.job.maxAttempts
        runAfter = row.runAfter
        leaseOwner = row.job.worker
        leaseUntil = row.leaseUntil
        lastError = row.job.lastError
        createdAt = row.createdAt
        updatedAt = row.updatedAt
    }
}
