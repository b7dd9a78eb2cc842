import Foundation
import GRDB
import MicrocastCore

extension SQLiteStore: SearchRepository {
    /// bm25 of a transcript's cue against a post's title (weighed 4) and text (1).
    static let cueWeight = 0.25

    public func transcripts(forMedia ids: [String]) async throws -> [String: StoredTranscript] {
        guard !ids.isEmpty else { return [:] }
        return try await pool.read { db in try Self.transcripts(forMedia: ids, db) }
    }

    static func transcripts(forMedia ids: [String], _ db: Database) throws -> [String: StoredTranscript] {
        let marks = databaseQuestionMarks(count: ids.count)
        var found: [String: StoredTranscript] = [:]
        for row in try Row.fetchAll(
            db,
            sql: "SELECT mediaId, language, isEdited FROM transcripts WHERE mediaId IN (\(marks))",
            arguments: StatementArguments(ids)
        ) {
            found[row["mediaId"]] = StoredTranscript(mediaId: row["mediaId"], language: row["language"], isEdited: row["isEdited"], cues: [])
        }
        let cues = try Row.fetchAll(
            db,
            sql: "SELECT mediaId, start, \"end\", text FROM transcriptCues WHERE mediaId IN (\(marks)) ORDER BY mediaId, position",
            arguments: StatementArguments(ids)
        )
        for row in cues {
            let text: String = row["text"]
            found[row["mediaId"]]?.cues.append(CaptionCue(start: row["start"], end: row["end"], lines: text.components(separatedBy: "\n")))
        }
        return found
    }

    /// Replaces the recording's transcript (its cues and, unless nil, its files), unless
    /// the owner edited it and `replacingEdits` is false; says whether it did.
    @discardableResult
    static func record(_ transcript: StoredTranscript, renditions: [Rendition]?, replacingEdits: Bool, _ db: Database) throws -> Bool {
        if !replacingEdits,
            try Bool.fetchOne(db, sql: "SELECT isEdited FROM transcripts WHERE mediaId = ?", arguments: [transcript.mediaId]) == true
        {
            return false
        }
        if let renditions { try recordTranscripts(mediaId: transcript.mediaId, renditions: renditions, db) }
        try db.execute(sql: "DELETE FROM transcripts WHERE mediaId = ?", arguments: [transcript.mediaId])
        try db.execute(
            sql: "INSERT INTO transcripts (mediaId, language, isEdited, updatedAt) VALUES (?, ?, ?, ?)",
            arguments: [transcript.mediaId, transcript.language, transcript.isEdited, Date()]
        )
        for (position, cue) in transcript.cues.enumerated() {
            try db.execute(
                sql: "INSERT INTO transcriptCues (mediaId, position, start, \"end\", text) VALUES (?, ?, ?, ?, ?)",
                arguments: [transcript.mediaId, position, cue.start, cue.end, cue.lines.joined(separator: "\n")]
            )
        }
        return true
    }

    public func saveEdited(_ transcript: StoredTranscript, renditions: [Rendition]) async throws {
        let edited = StoredTranscript(mediaId: transcript.mediaId, language: transcript.language, isEdited: true, cues: transcript.cues)
        try await pool.write { db in try Self.record(edited, renditions: renditions, replacingEdits: true, db) }
    }

    public func requestTranscript(mediaId: String, discardingEdits: Bool, now: Date) async throws {
        try await pool.write { db in
            if discardingEdits {
                try db.execute(sql: "UPDATE transcripts SET isEdited = 0 WHERE mediaId = ?", arguments: [mediaId])
            }
            try Self.enqueue([JobRequest(kind: .transcribe, subject: .media(mediaId))], now: now, db)
        }
        wakeUps.wakeAll()
    }

    public func reprocess(mediaId: String, kind: JobKind, now: Date) async throws {
        try await pool.write { db in
            try Self.enqueue(
                [JobRequest(kind: kind, subject: .media(mediaId)), JobRequest(kind: .transcribe, subject: .media(mediaId))],
                now: now,
                db
            )
        }
        wakeUps.wakeAll()
    }

    public func search(_ query: SearchQuery) async throws -> [SearchHit] {
        try await pool.read { db in
            let visible = query.includesUnpublished ? "posts.deletedAt IS NULL" : "posts.status = 'published' AND posts.deletedAt IS NULL"
            // Each index gives its best rows first (FTS5 ranks inside the
            // virtual table); a few more than asked, since a post can match in
            // many cues and only its best place is shown.
            let reach = query.limit * 4
            let mark = "char(57344), char(57345)"
            var hits: [SearchHit] = []
            let inPosts = try Row.fetchAll(
                db,
                sql: """
                    SELECT posts.*, found.rank AS searchRank, found.snippet AS searchSnippet FROM (
                      SELECT rowid, rank, snippet(postSearch, -1, \(mark), '…', 24) AS snippet
                      FROM postSearch WHERE postSearch MATCH ? AND rank MATCH 'bm25(4.0, 1.0)' ORDER BY rank LIMIT ?
                    ) AS found JOIN posts ON posts.id = found.rowid WHERE \(visible)
                    """,
                arguments: [query.fts5, reach]
            )
            for row in inPosts {
                hits.append(SearchHit(post: try PostRecord(row: row).post(), snippet: row["searchSnippet"], moment: nil, rank: row["searchRank"]))
            }
            let inTranscripts = try Row.fetchAll(
                db,
                sql: """
                    SELECT posts.*, found.rank AS searchRank, found.snippet AS searchSnippet, transcriptCues.start AS searchMoment FROM (
                      SELECT rowid, rank, snippet(cueSearch, 0, \(mark), '…', 24) AS snippet
                      FROM cueSearch WHERE cueSearch MATCH ? ORDER BY rank LIMIT ?
                    ) AS found
                    JOIN transcriptCues ON transcriptCues.id = found.rowid
                    JOIN postMedia ON postMedia.mediaId = transcriptCues.mediaId
                    JOIN posts ON posts.id = postMedia.postId
                    WHERE \(visible)
                    """,
                arguments: [query.fts5, reach]
            )
            for row in inTranscripts {
                let snippet: String = row["searchSnippet"]
                hits.append(
                    SearchHit(
                        post: try PostRecord(row: row).post(),
                        snippet: snippet.replacingOccurrences(of: "\n", with: " "),
                        moment: row["searchMoment"],
                        // A cue is a few words, so bm25 rates a word in it as
                        // highly as one in a title; weighed as a post's text is.
                        rank: (row["searchRank"] as Double) * Self.cueWeight
                    )
                )
            }
            return SearchHit.best(hits, limit: query.limit)
        }
    }
}
