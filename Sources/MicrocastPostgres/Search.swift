import Foundation
import MicrocastCore
import PostgresNIO

extension PostgresStore: SearchRepository {
    /// Ranking reads each match's whole vector: a word in every transcript
    /// would read them all. The newest this many matches are ranked (found by
    /// reading the newest rows first, stopping once there are enough), which
    /// bounds a search's time however common its words (SQLite's FTS5 ranks
    /// from its own index and needs no bound). Ranked with `ts_rank`
    /// (frequency), not `ts_rank_cd` (cover density, which cost 2–3× as much here).
    static let rankedAtMost: Int64 = 500

    public func transcripts(forMedia ids: [String]) async throws -> [String: StoredTranscript] {
        guard !ids.isEmpty else { return [:] }
        return try await transaction { connection in try await Self.transcripts(forMedia: ids, on: connection, logger: logger) }
    }

    /// The transcripts of these recordings (of every one, with nil).
    static func transcripts(forMedia ids: [String]?, on connection: PostgresConnection, logger: Logger) async throws -> [String: StoredTranscript] {
        var found: [String: StoredTranscript] = [:]
        let headQuery: PostgresQuery =
            if let ids { "SELECT media_id, language, is_edited FROM transcripts WHERE media_id = ANY(\(ids))" } else {
                "SELECT media_id, language, is_edited FROM transcripts"
            }
        let heads = try await connection.rows(headQuery, logger: logger)
        for row in heads {
            let id: String = try row.value("media_id")
            found[id] = StoredTranscript(mediaId: id, language: try row.value("language"), isEdited: try row.value("is_edited"), cues: [])
        }
        let cueQuery: PostgresQuery =
            if let ids {
                "SELECT media_id, start_seconds, end_seconds, text FROM transcript_cues WHERE media_id = ANY(\(ids)) ORDER BY media_id, position"
            } else {
                "SELECT media_id, start_seconds, end_seconds, text FROM transcript_cues ORDER BY media_id, position"
            }
        let cues = try await connection.rows(cueQuery, logger: logger)
        for row in cues {
            let text: String = try row.value("text")
            found[try row.value("media_id")]?.cues.append(
                CaptionCue(start: try row.value("start_seconds"), end: try row.value("end_seconds"), lines: text.components(separatedBy: "\n"))
            )
        }
        return found
    }

    /// Replaces the recording's transcript (its cues and, unless nil, its
    /// files), unless the owner edited it and `replacingEdits` is false.
    static func record(
        _ transcript: StoredTranscript,
        renditions: [Rendition]?,
        replacingEdits: Bool,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        // Locks the row, so an edit saved meanwhile is either seen here or waits for this.
        let edited =
            try await connection.rows(
                "SELECT is_edited FROM transcripts WHERE media_id = \(transcript.mediaId) FOR UPDATE",
                logger: logger
            ).first.map { try $0.value("is_edited", as: Bool.self) } ?? false
        if edited && !replacingEdits { return }
        if let renditions { try await recordTranscripts(mediaId: transcript.mediaId, renditions: renditions, on: connection, logger: logger) }
        try await connection.execute("DELETE FROM transcripts WHERE media_id = \(transcript.mediaId)", logger: logger)
        try await connection.execute(
            """
            INSERT INTO transcripts (media_id, language, is_edited, updated_at, text)
            VALUES (\(transcript.mediaId), \(transcript.language), \(transcript.isEdited), \(Date()), \(transcript.cues.map(\.text).joined(separator: " ")))
            """,
            logger: logger
        )
        guard !transcript.cues.isEmpty else { return }
        // One statement for every cue: an hour's transcript is hundreds of them.
        try await connection.execute(
            """
            INSERT INTO transcript_cues (media_id, position, start_seconds, end_seconds, text)
            SELECT \(transcript.mediaId), cue.position - 1, cue.start_seconds, cue.end_seconds, cue.text
            FROM unnest(\(transcript.cues.map(\.start)), \(transcript.cues.map(\.end)), \(transcript.cues.map { $0.lines.joined(separator: "\n") }))
              WITH ORDINALITY AS cue (start_seconds, end_seconds, text, position)
            """,
            logger: logger
        )
    }

    public func saveEdited(_ transcript: StoredTranscript, renditions: [Rendition]) async throws {
        let edited = StoredTranscript(mediaId: transcript.mediaId, language: transcript.language, isEdited: true, cues: transcript.cues)
        try await transaction { connection in
            try await Self.record(edited, renditions: renditions, replacingEdits: true, on: connection, logger: logger)
        }
    }

    public func requestTranscript(mediaId: String, discardingEdits: Bool, now: Date) async throws {
        try await transaction { connection in
            if discardingEdits {
                try await connection.execute("UPDATE transcripts SET is_edited = false WHERE media_id = \(mediaId)", logger: logger)
            }
            try await Self.enqueue([JobRequest(kind: .transcribe, subject: .media(mediaId))], now: now, on: connection, logger: logger)
        }
    }

    public func reprocess(mediaId: String, kind: JobKind, now: Date) async throws {
        try await transaction { connection in
            try await Self.enqueue(
                [JobRequest(kind: kind, subject: .media(mediaId)), JobRequest(kind: .transcribe, subject: .media(mediaId))],
                now: now,
                on: connection,
                logger: logger
            )
        }
    }

    public func search(_ query: SearchQuery) async throws -> [SearchHit] {
        let visible = query.includesUnpublished ? "posts.deleted_at IS NULL" : "posts.status = 'published' AND posts.deleted_at IS NULL"
        let reach = Int64(query.limit * 4)
        let marks = "StartSel=\u{E000}, StopSel=\u{E001}, MaxWords=24, MinWords=10, ShortWord=2"
        let columns = Self.postColumns.split(separator: ",").map { "posts." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        // The ranking reads only the stored vectors; the headline, which
        // parses the text again, is made for the few rows kept.
        let inPosts = try await rows(
            """
            SELECT \(unescaped: columns), found.rank,
              ts_headline('english', COALESCE(posts.search_title, '') || E'\\n' || COALESCE(posts.search_body, ''), found.query, \(marks)) AS snippet
            FROM (
              SELECT posts.id, ts_rank(posts.search_vector, query) AS rank, query
              FROM (
                SELECT posts.id FROM posts, to_tsquery('english', \(query.tsquery)) AS query
                WHERE posts.search_vector @@ query AND \(unescaped: visible) ORDER BY posts.published DESC LIMIT \(Self.rankedAtMost)
              ) AS matched JOIN posts ON posts.id = matched.id, to_tsquery('english', \(query.tsquery)) AS query
              ORDER BY rank DESC LIMIT \(reach)
            ) AS found JOIN posts ON posts.id = found.id
            """
        )
        var hits: [SearchHit] = try inPosts.map { row in
            SearchHit(post: try Self.post(row), snippet: try row.value("snippet"), moment: nil, rank: -Double(try row.value("rank", as: Float.self)))
        }
        let inTranscripts = try await rows(
            """
            SELECT \(unescaped: columns), found.rank, found.media_id AS search_media
            FROM (
              SELECT transcripts.media_id, ts_rank(transcripts.search_vector, query) AS rank
              FROM (
                SELECT transcripts.media_id FROM transcripts, to_tsquery('english', \(query.tsquery)) AS query
                WHERE transcripts.search_vector @@ query ORDER BY transcripts.updated_at DESC LIMIT \(Self.rankedAtMost)
              ) AS matched JOIN transcripts ON transcripts.media_id = matched.media_id, to_tsquery('english', \(query.tsquery)) AS query
              ORDER BY rank DESC LIMIT \(reach)
            ) AS found
            JOIN post_media ON post_media.media_id = found.media_id
            JOIN posts ON posts.id = post_media.post_id
            WHERE \(unescaped: visible)
            """
        )
        hits += try inTranscripts.map { row in
            SearchHit(
                post: try Self.post(row),
                snippet: "",
                moment: nil,
                rank: -Double(try row.value("rank", as: Float.self)),
                transcriptOf: try row.value("search_media")
            )
        }
        // Only for the results shown, in one query per try: the moment, the
        // first caption with every word, failing that with any.
        var shown = SearchHit.best(hits, limit: query.limit)
        for match in [query.tsquery, query.tsqueryAnyTerm] {
            let missing = Array(Set(shown.filter { $0.transcriptOf != nil && $0.moment == nil }.compactMap(\.transcriptOf)))
            guard !missing.isEmpty else { break }
            let cues = try await rows(
                """
                SELECT DISTINCT ON (media_id) media_id, start_seconds, ts_headline('english', text, query, \(marks)) AS snippet
                FROM transcript_cues, to_tsquery('english', \(match)) AS query
                WHERE media_id = ANY(\(missing)) AND search_vector @@ query ORDER BY media_id, position
                """
            )
            var moments: [String: (Double, String)] = [:]
            for cue in cues {
                moments[try cue.value("media_id")] = (try cue.value("start_seconds"), try cue.value("snippet", as: String.self))
            }
            for index in shown.indices {
                guard let media = shown[index].transcriptOf, shown[index].moment == nil, let (start, snippet) = moments[media] else { continue }
                shown[index].moment = start
                shown[index].snippet = snippet.replacingOccurrences(of: "\n", with: " ")
            }
        }
        return shown
    }

    /// Posts written before search existed get their words, once, when the store opens.
    func indexUnindexedPosts() async throws {
        let unindexed = try await rows("SELECT \(unescaped: Self.postColumns) FROM posts WHERE search_body IS NULL").map(Self.post)
        for post in unindexed {
            let words = SearchDocument(post)
            try await execute("UPDATE posts SET search_title = \(words.title), search_body = \(words.body) WHERE id = \(post.id ?? 0)")
        }
    }
}
