import Foundation
import GRDB
import MicrocastCore

extension SQLiteStore: SearchRepository {
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
            sql: "INSERT INTO transcripts (mediaId, language, isEdited, updatedAt, text) VALUES (?, ?, ?, ?, ?)",
            arguments: [transcript.mediaId, transcript.language, transcript.isEdited, Date(), transcript.cues.map(\.text).joined(separator: " ")]
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
            // virtual table, before any join); a few more than asked, since
            // drafts and deleted posts are dropped after.
            let reach = query.limit * 4
            var hits: [SearchHit] = []
            let inPosts = try Row.fetchAll(
                db,
                sql: """
                    SELECT posts.*, found.rank AS searchRank, found.snippet AS searchSnippet FROM (
                      SELECT rowid, rank, snippet(postSearch, -1, \(Self.marks), '…', 24) AS snippet
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
                    SELECT posts.*, found.rank AS searchRank, transcripts.mediaId AS searchMedia FROM (
                      SELECT rowid, rank FROM transcriptSearch WHERE transcriptSearch MATCH ? ORDER BY rank LIMIT ?
                    ) AS found
                    JOIN transcripts ON transcripts.rowid = found.rowid
                    JOIN postMedia ON postMedia.mediaId = transcripts.mediaId
                    JOIN posts ON posts.id = postMedia.postId
                    WHERE \(visible)
                    """,
                arguments: [query.fts5, reach]
            )
            for row in inTranscripts {
                hits.append(
                    SearchHit(
                        post: try PostRecord(row: row).post(),
                        snippet: "",
                        moment: nil,
                        rank: row["searchRank"],
                        transcriptOf: row["searchMedia"]
                    )
                )
            }
            // Only for the results shown: the moment, the first caption with every
            // word (as typed, then with the last as a prefix), failing that with any.
            return try SearchHit.best(hits, limit: query.limit).map { hit in
                guard let mediaId = hit.transcriptOf else { return hit }
                var found = hit
                let range = try Row.fetchOne(
                    db,
                    sql: "SELECT min(id) AS first, max(id) AS last FROM transcriptCues WHERE mediaId = ?",
                    arguments: [mediaId]
                )
                // The captions' index alone, within the recording's rows: joined
                // to the captions, SQLite would run the full-text query once per caption.
                for match in [query.fts5Words, query.fts5, query.fts5AnyTerm] {
                    guard let range,
                        let cue = try Row.fetchOne(
                            db,
                            sql: """
                                SELECT rowid, snippet(cueSearch, 0, \(Self.marks), '…', 24) AS snippet FROM cueSearch
                                WHERE cueSearch MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid LIMIT 1
                                """,
                            arguments: [match, range["first"], range["last"]]
                        ),
                        let start = try Double.fetchOne(
                            db,
                            sql: "SELECT start FROM transcriptCues WHERE id = ? AND mediaId = ?",
                            arguments: [cue["rowid"], mediaId]
                        )
                    else { continue }
                    found.moment = start
                    found.snippet = (cue["snippet"] as String).replacingOccurrences(of: "\n", with: " ")
                    break
                }
                return found
            }
        }
    }

    /// The snippet's marks around matched words (`SearchHit.markStart`, `markEnd`).
    static let marks = "char(57344), char(57345)"
}
