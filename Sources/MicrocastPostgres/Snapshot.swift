import Foundation
import MicrocastCore
import PostgresNIO

extension PostgresStore {
    public func snapshot() async throws -> StoreSnapshot {
        // One repeatable-read transaction: every table as of the same moment.
        try await transaction { connection in
            try await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
            var snapshot = StoreSnapshot()
            snapshot.posts = try await connection.rows("SELECT \(unescaped: Self.postColumns) FROM posts ORDER BY id", logger: logger).map {
                StoreSnapshot.PostRow(post: try Self.post($0), createdAt: try $0.value("created_at"))
            }
            snapshot.postMedia = try await connection.rows(
                "SELECT post_id, media_id, position FROM post_media ORDER BY post_id, position, media_id",
                logger: logger
            ).map {
                StoreSnapshot.PostMediaRow(
                    postId: try $0.value("post_id"),
                    mediaId: try $0.value("media_id"),
                    position: Int(try $0.value("position", as: Int64.self))
                )
            }
            snapshot.media = try await connection.rows(
                "SELECT \(unescaped: Self.mediaColumns) FROM media ORDER BY created_at, id",
                logger: logger
            ).map(Self.media)
            snapshot.renditions = try await connection.rows(
                "SELECT \(unescaped: Self.renditionColumns) FROM renditions ORDER BY id",
                logger: logger
            ).map(Self.rendition)
            snapshot.transcripts = try await Self.transcripts(forMedia: nil, on: connection, logger: logger).values.sorted { $0.mediaId < $1.mediaId }
            snapshot.tokens = try await connection.rows("SELECT \(unescaped: Self.tokenColumns) FROM tokens ORDER BY id", logger: logger)
                .map(Self.token)
            snapshot.owner = try await connection.rows("SELECT passphrase_hash, updated_at FROM owner WHERE id = 1", logger: logger).first.map {
                StoreSnapshot.OwnerRow(passphraseHash: try $0.value("passphrase_hash"), updatedAt: try $0.value("updated_at"))
            }
            snapshot.sessions = try await connection.rows(
                "SELECT hash, csrf, signed_in_at, expires_at FROM sessions ORDER BY hash",
                logger: logger
            ).map {
                StoreSnapshot.SessionRow(
                    hash: try $0.value("hash"),
                    csrf: try $0.value("csrf"),
                    signedInAt: try $0.value("signed_in_at"),
                    expiresAt: try $0.value("expires_at")
                )
            }
            snapshot.codes = try await connection.rows(
                "SELECT hash, client_id, redirect_uri, code_challenge, scope, expires_at, used_at FROM authorization_codes ORDER BY hash",
                logger: logger
            ).map { StoreSnapshot.CodeRow(code: try Self.code($0), usedAt: try $0.value("used_at")) }
            snapshot.settings = Dictionary(
                uniqueKeysWithValues: try await connection.rows("SELECT key, value FROM settings", logger: logger).map {
                    (try $0.value("key", as: String.self), try $0.value("value", as: String.self))
                }
            )
            snapshot.ingests = try await connection.rows(
                "SELECT hash, source, post_slug, created_at FROM ingests ORDER BY hash",
                logger: logger
            ).map(Self.ingest)
            snapshot.jobs = try await connection.rows("SELECT \(unescaped: Self.jobColumns) FROM jobs ORDER BY id", logger: logger).map {
                StoreSnapshot.JobRow(
                    job: try Self.job($0),
                    runAfter: try $0.value("run_after"),
                    leaseUntil: try $0.value("lease_until"),
                    createdAt: try $0.value("created_at"),
                    updatedAt: try $0.value("updated_at")
                )
            }
            snapshot.mentions = try await connection.rows(
                "SELECT \(unescaped: Self.mentionColumns) FROM mentions ORDER BY id",
                logger: logger
            ).map(Self.mention)
            snapshot.sentMentions = try await connection.rows(
                "SELECT post_slug, target, outcome, endpoint, detail, updated_at FROM sent_mentions ORDER BY post_slug, target",
                logger: logger
            ).map(Self.sent)
            snapshot.citations = try await connection.rows(
                "SELECT url, name, author_name, fetched_at FROM citations ORDER BY url",
                logger: logger
            ).map(Self.citation)
            snapshot.downloads = try await connection.rows(
                "SELECT episode, day, app, count FROM downloads ORDER BY day, episode, app",
                logger: logger
            ).map(Self.download)
            snapshot.syndicationAccounts = try await connection.rows(
                "SELECT \(unescaped: Self.accountColumns) FROM syndication_accounts ORDER BY uid",
                logger: logger
            ).map(Self.account)
            snapshot.copies = try await connection.rows(
                "SELECT \(unescaped: Self.copyColumns) FROM syndication_copies ORDER BY post_slug, account_uid",
                logger: logger
            ).map(Self.copy)
            snapshot.followers = try await connection.rows(
                "SELECT \(unescaped: Self.followerColumns) FROM followers ORDER BY actor_id",
                logger: logger
            ).map(Self.follower)
            snapshot.redirects = try await connection.rows(
                "SELECT \(unescaped: Self.redirectColumns) FROM redirects ORDER BY path",
                logger: logger
            ).map(Self.redirect)
            snapshot.follows = try await connection.rows(
                "SELECT \(unescaped: Self.followColumns) FROM follows ORDER BY id",
                logger: logger
            ).map(Self.follow)
            snapshot.timeline = try await connection.rows(
                "SELECT \(unescaped: Self.timelineColumns) FROM timeline ORDER BY id",
                logger: logger
            ).map(Self.timelineItem)
            return snapshot
        }
    }

    public func restore(_ snapshot: StoreSnapshot) async throws {
        try await transaction { connection in
            let tables = [
                "posts", "media", "renditions", "post_media", "tokens", "owner", "sessions", "authorization_codes", "settings", "ingests", "jobs",
                "mentions", "sent_mentions", "citations", "downloads", "syndication_accounts", "syndication_copies", "followers",
                "redirects", "follows", "timeline", "transcripts",
            ]
            var present: [String] = []
            for table in tables where try await !connection.rows("SELECT 1 FROM \(unescaped: table) LIMIT 1", logger: logger).isEmpty {
                present.append(table)
            }
            guard present.isEmpty else { throw StoreCopyError.targetNotEmpty(present.joined(separator: ", ")) }

            for row in snapshot.posts {
                let post = row.post
                try await connection.execute(
                    """
                    INSERT INTO posts (id, slug, type, kind, properties, published, updated, status, deleted_at, created_at, syndicate_to,
                      search_title, search_body)
                    VALUES (\(post.id ?? 0), \(post.slug), \(post.type), \(post.kind), \(try Self.propertiesJSON(post))::jsonb, \(post.published),
                      \(post.updated), \(post.status), \(post.deletedAt), \(row.createdAt), \(try Self.syndicateToJSON(post)),
                      \(SearchDocument(post).title), \(SearchDocument(post).body))
                    """,
                    logger: logger
                )
            }
            for item in snapshot.media { try await Self.insert(item, on: connection, logger: logger) }
            for row in snapshot.postMedia {
                try await connection.execute(
                    "INSERT INTO post_media (post_id, media_id, position) VALUES (\(row.postId), \(row.mediaId), \(Int64(row.position)))",
                    logger: logger
                )
            }
            for rendition in snapshot.renditions { try await Self.insert(rendition, on: connection, logger: logger) }
            for transcript in snapshot.transcripts {
                try await Self.record(transcript, renditions: nil, replacingEdits: true, on: connection, logger: logger)
            }
            for token in snapshot.tokens { try await Self.insert(token, keepingId: true, on: connection, logger: logger) }
            if let owner = snapshot.owner {
                try await connection.execute(
                    "INSERT INTO owner (id, passphrase_hash, updated_at) VALUES (1, \(owner.passphraseHash), \(owner.updatedAt))",
                    logger: logger
                )
            }
            for row in snapshot.sessions {
                try await connection.execute(
                    "INSERT INTO sessions (hash, csrf, signed_in_at, expires_at) VALUES (\(row.hash), \(row.csrf), \(row.signedInAt), \(row.expiresAt))",
                    logger: logger
                )
            }
            for row in snapshot.codes {
                let code = row.code
                try await connection.execute(
                    """
                    INSERT INTO authorization_codes (hash, client_id, redirect_uri, code_challenge, scope, expires_at, used_at)
                    VALUES (\(code.hash), \(code.clientId), \(code.redirectURI), \(code.codeChallenge), \(code.scope.description),
                      \(code.expiresAt), \(row.usedAt))
                    """,
                    logger: logger
                )
            }
            for (key, value) in snapshot.settings {
                try await connection.execute("INSERT INTO settings (key, value) VALUES (\(key), \(value))", logger: logger)
            }
            for ingest in snapshot.ingests {
                try await connection.execute(
                    """
                    INSERT INTO ingests (hash, source, post_slug, created_at)
                    VALUES (\(ingest.hash), \(ingest.source), \(ingest.postSlug), \(ingest.createdAt))
                    """,
                    logger: logger
                )
            }
            for row in snapshot.jobs {
                let job = row.job
                try await connection.execute(
                    """
                    INSERT INTO jobs (\(unescaped: Self.jobColumns)) VALUES (
                      \(job.id), \(job.kind), \(job.subject.key), \(job.state), \(Int64(job.attempts)), \(Int64(job.maxAttempts)), \(job.lastError),
                      \(job.worker), \(row.runAfter), \(row.leaseUntil), \(row.createdAt), \(row.updatedAt))
                    """,
                    logger: logger
                )
            }
            for mention in snapshot.mentions { try await Self.insertMention(mention, on: connection, logger: logger) }
            for sent in snapshot.sentMentions {
                try await connection.execute(
                    """
                    INSERT INTO sent_mentions (post_slug, target, outcome, endpoint, detail, updated_at)
                    VALUES (\(sent.postSlug), \(sent.target), \(sent.outcome), \(sent.endpoint), \(sent.detail), \(sent.updatedAt))
                    """,
                    logger: logger
                )
            }
            for citation in snapshot.citations {
                try await connection.execute(
                    """
                    INSERT INTO citations (url, name, author_name, fetched_at)
                    VALUES (\(citation.url), \(citation.name), \(citation.authorName), \(citation.fetchedAt))
                    """,
                    logger: logger
                )
            }
            for count in snapshot.downloads { try await Self.addDownload(count, on: connection, logger: logger) }
            for account in snapshot.syndicationAccounts {
                try await Self.insertAccount(try SyndicationAccountColumns(account), upsert: false, on: connection, logger: logger)
            }
            for copy in snapshot.copies { try await Self.upsert(copy, on: connection, logger: logger) }
            for follower in snapshot.followers { try await Self.insertFollower(follower, upsert: false, on: connection, logger: logger) }
            for redirect in snapshot.redirects { try await Self.insertRedirect(redirect, on: connection, logger: logger) }
            for follow in snapshot.follows { _ = try await Self.insertFollow(follow, keepingId: true, on: connection, logger: logger) }
            for item in snapshot.timeline { try await Self.insertTimelineItem(item, keepingId: true, on: connection, logger: logger) }
            // Ids were kept: the sequences go on after the highest.
            for table in ["posts", "renditions", "tokens", "jobs", "follows", "timeline"] {
                try await connection.execute(
                    "SELECT setval(pg_get_serial_sequence('\(unescaped: table)', 'id'), COALESCE((SELECT max(id) FROM \(unescaped: table)), 0) + 1, false)",
                    logger: logger
                )
            }
        }
    }
}
