import Foundation
import GRDB
import MicrocastCore

/// A row of `syndicationAccounts`.
struct SyndicationAccountRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "syndicationAccounts"
    var uid: String
    var service: String
    var name: String
    var user: String
    var credentials: String
    var reconnectReason: String?
    var defaults: String
    var limits: String?
    var connectedAt: Date

    init(_ columns: SyndicationAccountColumns) {
        uid = columns.uid
        service = columns.service
        name = columns.name
        user = columns.user
        credentials = columns.credentials
        reconnectReason = columns.reconnectReason
        defaults = columns.defaults
        limits = columns.limits
        connectedAt = columns.connectedAt
    }

    var columns: SyndicationAccountColumns {
        SyndicationAccountColumns(
            uid: uid,
            service: service,
            name: name,
            user: user,
            credentials: credentials,
            reconnectReason: reconnectReason,
            defaults: defaults,
            limits: limits,
            connectedAt: connectedAt
        )
    }
}

/// A row of `syndicationCopies`.
struct SyndicationCopyRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "syndicationCopies"
    enum Columns {
        static let postSlug = Column(CodingKeys.postSlug)
        static let accountUid = Column(CodingKeys.accountUid)
        static let remoteURL = Column(CodingKeys.remoteURL)
    }

    var postSlug: String
    var accountUid: String
    var state: SyndicationCopy.State
    var remoteId: String?
    var remoteURL: String?
    var writeKey: String?
    var sentDigest: String?
    var replacedURLs: String
    var postedAt: Date?
    var updatedAt: Date

    init(_ copy: SyndicationCopy) {
        postSlug = copy.postSlug
        accountUid = copy.accountUid
        state = copy.state
        remoteId = copy.remoteId
        remoteURL = copy.remoteURL
        writeKey = copy.writeKey
        sentDigest = copy.sentDigest
        replacedURLs = copy.replacedURLsText
        postedAt = copy.postedAt
        updatedAt = copy.updatedAt
    }

    var copy: SyndicationCopy {
        SyndicationCopy(
            postSlug: postSlug,
            accountUid: accountUid,
            state: state,
            remoteId: remoteId,
            remoteURL: remoteURL,
            writeKey: writeKey,
            sentDigest: sentDigest,
            replacedURLs: SyndicationCopy.replacedURLs(fromText: replacedURLs),
            postedAt: postedAt,
            updatedAt: updatedAt
        )
    }
}

/// A row of `pendingConnections`.
struct PendingConnectionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "pendingConnections"
    var state: String
    var instance: String
    var clientId: String
    var clientSecret: String
    var codeVerifier: String
    var redirectURI: String
    var createdAt: Date

    init(_ pending: PendingConnection) {
        state = pending.state
        instance = pending.instance
        clientId = pending.clientId
        clientSecret = pending.clientSecret
        codeVerifier = pending.codeVerifier
        redirectURI = pending.redirectURI
        createdAt = pending.createdAt
    }

    var pending: PendingConnection {
        PendingConnection(
            state: state,
            instance: instance,
            clientId: clientId,
            clientSecret: clientSecret,
            codeVerifier: codeVerifier,
            redirectURI: redirectURI,
            createdAt: createdAt
        )
    }
}

extension SQLiteStore: SyndicationRepository {
    public func syndicationAccounts() async throws -> [SyndicationAccount] {
        try await pool.read { db in
            try SyndicationAccountRecord.order(Column("connectedAt"), Column("uid")).fetchAll(db).map { try $0.columns.account() }
        }
    }

    public func syndicationAccount(uid: String) async throws -> SyndicationAccount? {
        try await pool.read { db in try SyndicationAccountRecord.fetchOne(db, key: uid)?.columns.account() }
    }

    public func saveSyndicationAccount(_ account: SyndicationAccount) async throws {
        let record = SyndicationAccountRecord(try SyndicationAccountColumns(account))
        try await pool.write { db in
            let waited = try SyndicationAccountRecord.fetchOne(db, key: account.uid)?.reconnectReason != nil
            try record.upsert(db)
            if waited && !account.status.needsReconnect { try Self.wakeCopyJobs(accountUid: account.uid, db) }
        }
        wakeUps.wakeAll()
    }

    /// Makes the account's waiting copy jobs ready now (they waited for a reconnect).
    static func wakeCopyJobs(accountUid: String, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE jobs SET runAfter = ? WHERE state = ? AND kind IN (?, ?) AND subject LIKE '% ' || ?
                """,
            arguments: [Date(), Job.State.queued, JobKind.syndicate, JobKind.backfeed, accountUid]
        )
    }

    public func removeSyndicationAccount(uid: String) async throws {
        _ = try await pool.write { db in try SyndicationAccountRecord.deleteOne(db, key: uid) }
    }

    public func copies(postSlug: String) async throws -> [SyndicationCopy] {
        try await pool.read { db in
            try SyndicationCopyRecord.filter(SyndicationCopyRecord.Columns.postSlug == postSlug).order(Column("accountUid")).fetchAll(db).map(\.copy)
        }
    }

    public func copy(postSlug: String, accountUid: String) async throws -> SyndicationCopy? {
        try await pool.read { db in try SyndicationCopyRecord.fetchOne(db, key: ["postSlug": postSlug, "accountUid": accountUid])?.copy }
    }

    public func saveCopy(_ copy: SyndicationCopy) async throws {
        try await pool.write { db in try SyndicationCopyRecord(copy).upsert(db) }
    }

    public func copy(remoteURL url: String) async throws -> SyndicationCopy? {
        try await pool.read { db in
            if let current = try SyndicationCopyRecord.filter(SyndicationCopyRecord.Columns.remoteURL == url).fetchOne(db) { return current.copy }
            let replaced = try SyndicationCopyRecord.filter(
                sql: "EXISTS (SELECT 1 FROM json_each(syndicationCopies.replacedURLs) WHERE json_each.value = ?)",
                arguments: [url]
            )
            return try replaced.fetchOne(db)?.copy
        }
    }

    /// Writes a finished copy job's copy, and the post's `syndication` URLs to match, in the caller's transaction.
    static func record(_ copy: SyndicationCopy, _ db: Database) throws {
        try SyndicationCopyRecord(copy).upsert(db)
        guard var post = try PostRecord.filter(PostRecord.Columns.slug == copy.postSlug).fetchOne(db) else { return }
        var properties = try post.post().properties
        let copies = try SyndicationCopyRecord.filter(SyndicationCopyRecord.Columns.postSlug == copy.postSlug).fetchAll(db).map(\.copy)
        let urls = SyndicationCopy.syndication(existing: (properties["syndication"] ?? []).compactMap(\.stringValue), copies: copies)
        guard urls != (properties["syndication"] ?? []).compactMap(\.stringValue) else { return }
        properties["syndication"] = urls.isEmpty ? nil : urls.map(JSONValue.string)
        post.properties = String(decoding: try StoreJSON.encoder.encode(properties), as: UTF8.self)
        try post.update(db)
    }

    /// Adds responses read from a network, or brings known ones up to date
    /// (an edited reply) without undoing the owner's decision on them. A
    /// response whose author's photo is not ours yet gets a job to fetch it,
    /// committed with it.
    static func record(responses: [Mention], now: Date, _ db: Database) throws {
        for response in responses {
            var stored = MentionRecord(response)
            if let earlier = try MentionRecord.filter(
                MentionRecord.Columns.source == response.source && MentionRecord.Columns.target == response.target
            )
            .fetchOne(db) {
                stored.id = earlier.id
                stored.state = earlier.state
                stored.receivedAt = earlier.receivedAt
                if earlier.authorRemotePhoto == stored.authorRemotePhoto { stored.authorPhotoFile = earlier.authorPhotoFile }
                guard stored.mention != earlier.mention else { continue }
                try stored.update(db)
            } else {
                try stored.insert(db)
            }
            if !stored.authorRemotePhoto.isEmpty && stored.authorPhotoFile.isEmpty {
                try enqueue([JobRequest(kind: .authorPhoto, subject: .mention(stored.id))], now: now, db)
            }
        }
    }

    public func savePendingConnection(_ pending: PendingConnection) async throws {
        try await pool.write { db in
            _ = try PendingConnectionRecord.filter(Column("createdAt") < pending.createdAt.addingTimeInterval(-3600)).deleteAll(db)
            try PendingConnectionRecord(pending).insert(db)
        }
    }

    public func takePendingConnection(state: String, now: Date) async throws -> PendingConnection? {
        try await pool.write { db in
            guard let record = try PendingConnectionRecord.fetchOne(db, key: state) else { return nil }
            try record.delete(db)
            return record.createdAt > now.addingTimeInterval(-3600) ? record.pending : nil
        }
    }
}
