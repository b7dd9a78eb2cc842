import Foundation
import MicrocastCore
import PostgresNIO

extension PostgresStore: MentionRepository {
    static let mentionColumns = """
        id, source, target, post_slug, state, reason, detail, kind, author_name, author_url, author_remote_photo, author_photo_file,
        content_html, published, url, received_at, updated_at, via
        """

    static func mention(_ row: PostgresRandomAccessRow) throws -> Mention {
        Mention(
            id: try row.value("id"),
            source: try row.value("source"),
            target: try row.value("target"),
            postSlug: try row.value("post_slug"),
            state: try row.value("state"),
            reason: try row.value("reason"),
            detail: try row.value("detail"),
            kind: try row.value("kind"),
            author: MentionAuthor(
                name: try row.value("author_name"),
                url: try row.value("author_url"),
                remotePhoto: try row.value("author_remote_photo"),
                photoFile: try row.value("author_photo_file")
            ),
            contentHTML: try row.value("content_html"),
            published: try row.value("published"),
            url: try row.value("url"),
            receivedAt: try row.value("received_at"),
            updatedAt: try row.value("updated_at"),
            via: try row.value("via")
        )
    }

    static func insertMention(_ m: Mention, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute(
            """
            INSERT INTO mentions (\(unescaped: mentionColumns)) VALUES (
              \(m.id), \(m.source), \(m.target), \(m.postSlug), \(m.state), \(m.reason), \(m.detail), \(m.kind), \(m.author.name), \(m.author.url),
              \(m.author.remotePhoto), \(m.author.photoFile), \(m.contentHTML), \(m.published), \(m.url), \(m.receivedAt), \(m.updatedAt),
              \(m.via))
            """,
            logger: logger
        )
    }

    public func receiveMention(source: String, target: String, postSlug: String, newId: String, now: Date) async throws -> Mention {
        try await transaction { connection in
            let fresh = Mention(id: newId, source: source, target: target, postSlug: postSlug, receivedAt: now)
            // One statement either way, so two senders racing on the same pair end with one row.
            let rows = try await connection.rows(
                """
                INSERT INTO mentions (\(unescaped: Self.mentionColumns)) VALUES (
                  \(fresh.id), \(source), \(target), \(postSlug), \(fresh.state), NULL, NULL, \(fresh.kind), '', '', '', '', '', NULL,
                  \(fresh.url), \(now), \(now), NULL)
                ON CONFLICT (source, target) DO UPDATE SET reason = CASE WHEN mentions.via IS NULL THEN NULL ELSE mentions.reason END,
                  detail = CASE WHEN mentions.via IS NULL THEN NULL ELSE mentions.detail END,
                  updated_at = CASE WHEN mentions.via IS NULL THEN \(now) ELSE mentions.updated_at END,
                  state = CASE WHEN mentions.state = \(Mention.State.rejected) AND mentions.via IS NULL THEN \(Mention.State.pending) ELSE mentions.state END
                RETURNING \(unescaped: Self.mentionColumns)
                """,
                logger: logger
            )
            guard let row = rows.first else { throw StoreError("the mention from \(source) was not saved") }
            return try Self.mention(row)
        }
    }

    public func mention(id: String) async throws -> Mention? {
        try await rows("SELECT \(unescaped: Self.mentionColumns) FROM mentions WHERE id = \(id)").first.map(Self.mention)
    }

    public func saveMention(_ m: Mention) async throws {
        try await execute(try Self.update(m))
    }

    static func update(_ m: Mention) throws -> PostgresQuery {
        try """
        UPDATE mentions SET state = \(m.state), reason = \(m.reason), detail = \(m.detail), kind = \(m.kind), author_name = \(m.author.name),
          author_url = \(m.author.url), author_remote_photo = \(m.author.remotePhoto), author_photo_file = \(m.author.photoFile),
          content_html = \(m.contentHTML), published = \(m.published), url = \(m.url), updated_at = \(m.updatedAt), via = \(m.via)
        WHERE id = \(m.id)
        """
    }

    public func recordResponses(_ responses: [Mention]) async throws {
        try await transaction { connection in try await Self.record(responses: responses, now: Date(), on: connection, logger: logger) }
    }

    public func forgetResponses(authorURL: String, source: String?) async throws -> Int {
        try await rows(
            """
            DELETE FROM mentions WHERE via IS NOT NULL AND author_url = \(authorURL) AND (\(source)::text IS NULL OR source = \(source))
            RETURNING id
            """
        ).count
    }

    public func mentions(postSlug: String, states: [Mention.State]) async throws -> [Mention] {
        try await rows(
            """
            SELECT \(unescaped: Self.mentionColumns) FROM mentions
            WHERE post_slug = \(postSlug) AND state = ANY(\(states.map(\.rawValue))) ORDER BY received_at, id
            """
        ).map(Self.mention)
    }

    public func mentions(state: Mention.State?, limit: Int) async throws -> [Mention] {
        try await rows(
            """
            SELECT \(unescaped: Self.mentionColumns) FROM mentions
            WHERE \(state?.rawValue)::text IS NULL OR state = \(state?.rawValue) ORDER BY updated_at DESC, id LIMIT \(Int64(limit))
            """
        ).map(Self.mention)
    }

    public func mentionCounts(postSlugs: [String]) async throws -> [String: [MentionKind: Int]] {
        guard !postSlugs.isEmpty else { return [:] }
        var counts: [String: [MentionKind: Int]] = [:]
        for row in try await rows(
            """
            SELECT post_slug, kind, count(*) AS n FROM mentions
            WHERE post_slug = ANY(\(postSlugs)) AND state = \(Mention.State.shown) GROUP BY post_slug, kind
            """
        ) {
            let kind: MentionKind = try row.value("kind")
            counts[try row.value("post_slug"), default: [:]][kind] = Int(try row.value("n", as: Int64.self))
        }
        return counts
    }

    public func recordSent(_ sent: SentMention) async throws {
        try await execute(
            """
            INSERT INTO sent_mentions (post_slug, target, outcome, endpoint, detail, updated_at)
            VALUES (\(sent.postSlug), \(sent.target), \(sent.outcome), \(sent.endpoint), \(sent.detail), \(sent.updatedAt))
            ON CONFLICT (post_slug, target) DO UPDATE SET outcome = EXCLUDED.outcome, endpoint = EXCLUDED.endpoint,
              detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at
            """
        )
    }

    static func sent(_ row: PostgresRandomAccessRow) throws -> SentMention {
        SentMention(
            postSlug: try row.value("post_slug"),
            target: try row.value("target"),
            outcome: try row.value("outcome"),
            endpoint: try row.value("endpoint"),
            detail: try row.value("detail"),
            updatedAt: try row.value("updated_at")
        )
    }

    public func sentMentions(postSlug: String) async throws -> [SentMention] {
        try await rows(
            "SELECT post_slug, target, outcome, endpoint, detail, updated_at FROM sent_mentions WHERE post_slug = \(postSlug) ORDER BY target"
        ).map(Self.sent)
    }

    public func saveCitation(_ citation: Citation) async throws {
        try await execute(
            """
            INSERT INTO citations (url, name, author_name, fetched_at)
            VALUES (\(citation.url), \(citation.name), \(citation.authorName), \(citation.fetchedAt))
            ON CONFLICT (url) DO UPDATE SET name = EXCLUDED.name, author_name = EXCLUDED.author_name, fetched_at = EXCLUDED.fetched_at
            """
        )
    }

    static func citation(_ row: PostgresRandomAccessRow) throws -> Citation {
        Citation(
            url: try row.value("url"),
            name: try row.value("name"),
            authorName: try row.value("author_name"),
            fetchedAt: try row.value("fetched_at")
        )
    }

    public func citations(urls: [String]) async throws -> [String: Citation] {
        guard !urls.isEmpty else { return [:] }
        let found = try await rows("SELECT url, name, author_name, fetched_at FROM citations WHERE url = ANY(\(urls))").map(Self.citation)
        return Dictionary(found.map { ($0.url, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
