import Foundation
import GRDB
import MicrocastCore

/// A row of `mentions`.
struct MentionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "mentions"
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let source = Column(CodingKeys.source)
        static let target = Column(CodingKeys.target)
        static let postSlug = Column(CodingKeys.postSlug)
        static let state = Column(CodingKeys.state)
        static let kind = Column(CodingKeys.kind)
        static let receivedAt = Column(CodingKeys.receivedAt)
        static let updatedAt = Column(CodingKeys.updatedAt)
        static let authorURL = Column(CodingKeys.authorURL)
        static let authorRemotePhoto = Column(CodingKeys.authorRemotePhoto)
        static let authorPhotoFile = Column(CodingKeys.authorPhotoFile)
        static let via = Column(CodingKeys.via)
    }

    var id: String
    var source: String
    var target: String
    var postSlug: String
    var state: Mention.State
    var reason: String?
    var detail: String?
    var kind: MentionKind
    var authorName: String
    var authorURL: String
    var authorRemotePhoto: String
    var authorPhotoFile: String
    var contentHTML: String
    var published: Date?
    var url: String
    var receivedAt: Date
    var updatedAt: Date
    var via: String?

    init(_ mention: Mention) {
        id = mention.id
        source = mention.source
        target = mention.target
        postSlug = mention.postSlug
        state = mention.state
        reason = mention.reason
        detail = mention.detail
        kind = mention.kind
        authorName = mention.author.name
        authorURL = mention.author.url
        authorRemotePhoto = mention.author.remotePhoto
        authorPhotoFile = mention.author.photoFile
        contentHTML = mention.contentHTML
        published = mention.published
        url = mention.url
        receivedAt = mention.receivedAt
        updatedAt = mention.updatedAt
        via = mention.via
    }

    var mention: Mention {
        Mention(
            id: id,
            source: source,
            target: target,
            postSlug: postSlug,
            state: state,
            reason: reason,
            detail: detail,
            kind: kind,
            author: MentionAuthor(name: authorName, url: authorURL, remotePhoto: authorRemotePhoto, photoFile: authorPhotoFile),
            contentHTML: contentHTML,
            published: published,
            url: url,
            receivedAt: receivedAt,
            updatedAt: updatedAt,
            via: via
        )
    }
}

/// A row of `sentMentions`.
struct SentMentionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "sentMentions"
    var postSlug: String
    var target: String
    var outcome: SentMention.Outcome
    var endpoint: String?
    var detail: String
    var updatedAt: Date

    init(_ sent: SentMention) {
        postSlug = sent.postSlug
        target = sent.target
        outcome = sent.outcome
        endpoint = sent.endpoint
        detail = sent.detail
        updatedAt = sent.updatedAt
    }

    var sent: SentMention {
        SentMention(postSlug: postSlug, target: target, outcome: outcome, endpoint: endpoint, detail: detail, updatedAt: updatedAt)
    }
}

/// A row of `citations`.
struct CitationRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "citations"
    var url: String
    var name: String
    var authorName: String
    var fetchedAt: Date

    init(_ citation: Citation) {
        url = citation.url
        name = citation.name
        authorName = citation.authorName
        fetchedAt = citation.fetchedAt
    }

    var citation: Citation { Citation(url: url, name: name, authorName: authorName, fetchedAt: fetchedAt) }
}

extension SQLiteStore: MentionRepository {
    public func receiveMention(source: String, target: String, postSlug: String, newId: String, now: Date) async throws -> Mention {
        try await pool.write { db in
            if var earlier = try MentionRecord.filter(MentionRecord.Columns.source == source && MentionRecord.Columns.target == target)
                .fetchOne(db)
            {
                // A response read from another network is that network's to
                // change: a Webmention naming its URL does not reopen it.
                if earlier.via != nil { return earlier.mention }
                // What was shown stays shown until the new verification decides otherwise.
                if earlier.state == .rejected { earlier.state = .pending }
                earlier.reason = nil
                earlier.detail = nil
                earlier.updatedAt = now
                try earlier.update(db)
                return earlier.mention
            }
            let record = MentionRecord(Mention(id: newId, source: source, target: target, postSlug: postSlug, receivedAt: now))
            try record.insert(db)
            return record.mention
        }
    }

    public func mention(id: String) async throws -> Mention? {
        try await pool.read { db in try MentionRecord.fetchOne(db, key: id)?.mention }
    }

    public func saveMention(_ mention: Mention) async throws {
        try await pool.write { db in try MentionRecord(mention).update(db) }
    }

    public func recordResponses(_ responses: [Mention]) async throws {
        try await pool.write { db in try Self.record(responses: responses, now: Date(), db) }
    }

    public func forgetResponses(authorURL: String, source: String?) async throws -> Int {
        try await pool.write { db in
            var request = MentionRecord.filter(MentionRecord.Columns.via != nil && MentionRecord.Columns.authorURL == authorURL)
            if let source { request = request.filter(MentionRecord.Columns.source == source) }
            return try request.deleteAll(db)
        }
    }

    public func mentions(postSlug: String, states: [Mention.State]) async throws -> [Mention] {
        try await pool.read { db in
            try MentionRecord.filter(MentionRecord.Columns.postSlug == postSlug && states.map(\.rawValue).contains(MentionRecord.Columns.state))
                .order(MentionRecord.Columns.receivedAt, MentionRecord.Columns.id).fetchAll(db).map(\.mention)
        }
    }

    public func mentions(state: Mention.State?, limit: Int) async throws -> [Mention] {
        try await pool.read { db in
            var request = MentionRecord.all()
            if let state { request = request.filter(MentionRecord.Columns.state == state.rawValue) }
            return try request.order(MentionRecord.Columns.updatedAt.desc, MentionRecord.Columns.id).limit(limit).fetchAll(db).map(\.mention)
        }
    }

    public func mentionCounts(postSlugs: [String]) async throws -> [String: [MentionKind: Int]] {
        guard !postSlugs.isEmpty else { return [:] }
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                MentionRecord.filter(
                    postSlugs.contains(MentionRecord.Columns.postSlug) && MentionRecord.Columns.state == Mention.State.shown.rawValue
                )
                .select(MentionRecord.Columns.postSlug, MentionRecord.Columns.kind, count(MentionRecord.Columns.id).forKey("n"))
                .group(MentionRecord.Columns.postSlug, MentionRecord.Columns.kind)
            )
            var counts: [String: [MentionKind: Int]] = [:]
            for row in rows {
                guard let kind = MentionKind(rawValue: row["kind"]) else { continue }
                counts[row["postSlug"], default: [:]][kind] = row["n"]
            }
            return counts
        }
    }

    public func recordSent(_ sent: SentMention) async throws {
        try await pool.write { db in try SentMentionRecord(sent).upsert(db) }
    }

    public func sentMentions(postSlug: String) async throws -> [SentMention] {
        try await pool.read { db in
            try SentMentionRecord.filter(Column("postSlug") == postSlug).order(Column("target")).fetchAll(db).map(\.sent)
        }
    }

    public func saveCitation(_ citation: Citation) async throws {
        try await pool.write { db in try CitationRecord(citation).upsert(db) }
    }

    public func citations(urls: [String]) async throws -> [String: Citation] {
        guard !urls.isEmpty else { return [:] }
        return try await pool.read { db in
            let rows = try CitationRecord.filter(urls.contains(Column("url"))).fetchAll(db)
            return Dictionary(rows.map { ($0.url, $0.citation) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
