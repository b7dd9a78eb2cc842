import Foundation
import MicrocastCore
import PostgresNIO

extension PostgresStore: SyndicationRepository {
    static let accountColumns = "uid, service, name, user_json, credentials, reconnect_reason, defaults, limits, connected_at"
    static let copyColumns =
        "post_slug, account_uid, state, remote_id, remote_url, write_key, sent_digest, replaced_urls::text AS replaced_urls, posted_at, updated_at"

    static func account(_ row: PostgresRandomAccessRow) throws -> SyndicationAccount {
        try SyndicationAccountColumns(
            uid: try row.value("uid"),
            service: try row.value("service"),
            name: try row.value("name"),
            user: try row.value("user_json"),
            credentials: try row.value("credentials"),
            reconnectReason: try row.value("reconnect_reason"),
            defaults: try row.value("defaults"),
            limits: try row.value("limits"),
            connectedAt: try row.value("connected_at")
        ).account()
    }

    static func copy(_ row: PostgresRandomAccessRow) throws -> SyndicationCopy {
        SyndicationCopy(
            postSlug: try row.value("post_slug"),
            accountUid: try row.value("account_uid"),
            state: try row.value("state"),
            remoteId: try row.value("remote_id"),
            remoteURL: try row.value("remote_url"),
            writeKey: try row.value("write_key"),
            sentDigest: try row.value("sent_digest"),
            replacedURLs: SyndicationCopy.replacedURLs(fromText: try row.value("replaced_urls")),
            postedAt: try row.value("posted_at"),
            updatedAt: try row.value("updated_at")
        )
    }

    public func syndicationAccounts() async throws -> [SyndicationAccount] {
        try await rows("SELECT \(unescaped: Self.accountColumns) FROM syndication_accounts ORDER BY connected_at, uid").map(Self.account)
    }

    public func syndicationAccount(uid: String) async throws -> SyndicationAccount? {
        try await rows("SELECT \(unescaped: Self.accountColumns) FROM syndication_accounts WHERE uid = \(uid)").first.map(Self.account)
    }

    public func saveSyndicationAccount(_ account: SyndicationAccount) async throws {
        let c = try SyndicationAccountColumns(account)
        try await transaction { connection in
            let earlier = try await connection.rows(
                "SELECT reconnect_reason FROM syndication_accounts WHERE uid = \(c.uid) FOR UPDATE",
                logger: logger
            )
            let waited = try earlier.first?.value("reconnect_reason", as: String?.self) != nil
            try await Self.insertAccount(c, upsert: true, on: connection, logger: logger)
            if waited && c.reconnectReason == nil {
                // Its copy jobs waited for the reconnect: ready now (the trigger tells the workers).
                try await connection.execute(
                    """
                    UPDATE jobs SET run_after = \(Date()), state = \(Job.State.queued)
                    WHERE state = \(Job.State.queued) AND kind = ANY(\([JobKind.syndicate.rawValue, JobKind.backfeed.rawValue]))
                      AND subject LIKE \("% " + c.uid)
                    """,
                    logger: logger
                )
            }
        }
    }

    static func insertAccount(_ c: SyndicationAccountColumns, upsert: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute(
            """
            INSERT INTO syndication_accounts (\(unescaped: accountColumns)) VALUES (
              \(c.uid), \(c.service), \(c.name), \(c.user), \(c.credentials), \(c.reconnectReason), \(c.defaults), \(c.limits), \(c.connectedAt))
            ON CONFLICT (uid) DO UPDATE SET service = EXCLUDED.service, name = EXCLUDED.name, user_json = EXCLUDED.user_json,
              credentials = EXCLUDED.credentials, reconnect_reason = EXCLUDED.reconnect_reason, defaults = EXCLUDED.defaults,
              limits = EXCLUDED.limits, connected_at = EXCLUDED.connected_at
              WHERE \(upsert)
            """,
            logger: logger
        )
    }

    public func removeSyndicationAccount(uid: String) async throws {
        try await execute("DELETE FROM syndication_accounts WHERE uid = \(uid)")
    }

    public func copies(postSlug: String) async throws -> [SyndicationCopy] {
        try await rows("SELECT \(unescaped: Self.copyColumns) FROM syndication_copies WHERE post_slug = \(postSlug) ORDER BY account_uid")
            .map(Self.copy)
    }

    public func copy(postSlug: String, accountUid: String) async throws -> SyndicationCopy? {
        try await rows(
            "SELECT \(unescaped: Self.copyColumns) FROM syndication_copies WHERE post_slug = \(postSlug) AND account_uid = \(accountUid)"
        ).first.map(Self.copy)
    }

    public func saveCopy(_ copy: SyndicationCopy) async throws {
        try await transaction { connection in try await Self.upsert(copy, on: connection, logger: logger) }
    }

    static func upsert(_ c: SyndicationCopy, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute(
            """
            INSERT INTO syndication_copies (post_slug, account_uid, state, remote_id, remote_url, write_key, sent_digest, replaced_urls,
              posted_at, updated_at)
            VALUES (\(c.postSlug), \(c.accountUid), \(c.state), \(c.remoteId), \(c.remoteURL), \(c.writeKey), \(c.sentDigest),
              \(c.replacedURLsText)::jsonb, \(c.postedAt), \(c.updatedAt))
            ON CONFLICT (post_slug, account_uid) DO UPDATE SET state = EXCLUDED.state, remote_id = EXCLUDED.remote_id,
              remote_url = EXCLUDED.remote_url, write_key = EXCLUDED.write_key, sent_digest = EXCLUDED.sent_digest,
              replaced_urls = EXCLUDED.replaced_urls, posted_at = EXCLUDED.posted_at, updated_at = EXCLUDED.updated_at
            """,
            logger: logger
        )
    }

    public func copy(remoteURL url: String) async throws -> SyndicationCopy? {
        try await rows(
            """
            SELECT \(unescaped: Self.copyColumns) FROM syndication_copies
            WHERE remote_url = \(url) OR replaced_urls @> jsonb_build_array(\(url)::text)
            ORDER BY (remote_url = \(url)) DESC LIMIT 1
            """
        ).first.map(Self.copy)
    }

    /// Writes a finished copy job's copy, and the post's `syndication` URLs to match, in the caller's transaction.
    static func record(_ copy: SyndicationCopy, on connection: PostgresConnection, logger: Logger) async throws {
        try await upsert(copy, on: connection, logger: logger)
        let rows = try await connection.rows(
            "SELECT properties::text AS properties FROM posts WHERE slug = \(copy.postSlug) FOR UPDATE",
            logger: logger
        )
        guard let text = try rows.first?.value("properties", as: String.self) else { return }
        var properties = try JSONDecoder().decode(MF2Properties.self, from: Data(text.utf8))
        let copies = try await connection.rows(
            "SELECT \(unescaped: copyColumns) FROM syndication_copies WHERE post_slug = \(copy.postSlug) ORDER BY account_uid",
            logger: logger
        ).map(Self.copy)
        let existing = (properties["syndication"] ?? []).compactMap(\.stringValue)
        let urls = SyndicationCopy.syndication(existing: existing, copies: copies)
        guard urls != existing else { return }
        properties["syndication"] = urls.isEmpty ? nil : urls.map(JSONValue.string)
        let json = String(decoding: try StoreJSON.encoder.encode(properties), as: UTF8.self)
        try await connection.execute("UPDATE posts SET properties = \(json)::jsonb WHERE slug = \(copy.postSlug)", logger: logger)
    }

    /// Adds responses read from a network, or brings known ones up to date
    /// (an edited reply) without undoing the owner's decision on them.
    static func record(responses: [Mention], now: Date, on connection: PostgresConnection, logger: Logger) async throws {
        for m in responses {
            let stored = try await connection.rows(
                """
                INSERT INTO mentions (\(unescaped: mentionColumns)) VALUES (
                  \(m.id), \(m.source), \(m.target), \(m.postSlug), \(m.state), \(m.reason), \(m.detail), \(m.kind), \(m.author.name),
                  \(m.author.url), \(m.author.remotePhoto), \(m.author.photoFile), \(m.contentHTML), \(m.published), \(m.url), \(m.receivedAt),
                  \(m.updatedAt), \(m.via))
                ON CONFLICT (source, target) DO UPDATE SET kind = EXCLUDED.kind, author_name = EXCLUDED.author_name,
                  author_url = EXCLUDED.author_url, content_html = EXCLUDED.content_html, published = EXCLUDED.published, url = EXCLUDED.url,
                  author_photo_file = CASE WHEN mentions.author_remote_photo = EXCLUDED.author_remote_photo
                    THEN mentions.author_photo_file ELSE EXCLUDED.author_photo_file END,
                  author_remote_photo = EXCLUDED.author_remote_photo, via = EXCLUDED.via, updated_at = EXCLUDED.updated_at
                WHERE (mentions.kind, mentions.author_name, mentions.author_url, mentions.content_html, mentions.url, mentions.author_remote_photo)
                  IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.author_name, EXCLUDED.author_url, EXCLUDED.content_html, EXCLUDED.url,
                    EXCLUDED.author_remote_photo)
                RETURNING id, author_remote_photo, author_photo_file
                """,
                logger: logger
            )
            // A response whose author's photo is not ours yet gets a job to fetch it, committed with it.
            for row in stored
            where try !row.value("author_remote_photo", as: String.self).isEmpty
                && row.value("author_photo_file", as: String.self).isEmpty
            {
                let request = JobRequest(kind: .authorPhoto, subject: .mention(try row.value("id", as: String.self)))
                try await enqueue([request], now: now, on: connection, logger: logger)
            }
        }
    }

    public func savePendingConnection(_ p: PendingConnection) async throws {
        try await transaction { connection in
            try await connection.execute(
                "DELETE FROM pending_connections WHERE created_at < \(p.createdAt.addingTimeInterval(-3600))",
                logger: logger
            )
            try await connection.execute(
                """
                INSERT INTO pending_connections (state, instance, client_id, client_secret, code_verifier, redirect_uri, created_at)
                VALUES (\(p.state), \(p.instance), \(p.clientId), \(p.clientSecret), \(p.codeVerifier), \(p.redirectURI), \(p.createdAt))
                """,
                logger: logger
            )
        }
    }

    public func takePendingConnection(state: String, now: Date) async throws -> PendingConnection? {
        let rows = try await rows(
            """
            DELETE FROM pending_connections WHERE state = \(state)
            RETURNING state, instance, client_id, client_secret, code_verifier, redirect_uri, created_at
            """
        )
        guard let row = rows.first else { return nil }
        let pending = PendingConnection(
            state: try row.value("state"),
            instance: try row.value("instance"),
            clientId: try row.value("client_id"),
            clientSecret: try row.value("client_secret"),
            codeVerifier: try row.value("code_verifier"),
            redirectURI: try row.value("redirect_uri"),
            createdAt: try row.value("created_at")
        )
        return pending.createdAt > now.addingTimeInterval(-3600) ? pending : nil
    }
}
