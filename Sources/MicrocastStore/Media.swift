import Foundation
import GRDB
import MediaModel
import MicrocastCore

/// A row of `media`: an upload, its probe as JSON, and its processing state.
struct MediaRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "media"
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let sha256 = Column(CodingKeys.sha256)
        static let alt = Column(CodingKeys.alt)
        static let state = Column(CodingKeys.state)
        static let failure = Column(CodingKeys.failure)
        static let createdAt = Column(CodingKeys.createdAt)
        static let placeholder = Column(CodingKeys.placeholder)
    }

    var id: String
    var kind: MediaKind
    var mimeType: String
    var fileExtension: String
    var byteCount: Int64
    var sha256: String
    var originalName: String?
    var probe: MediaProbe
    var alt: String?
    var width: Int?
    var height: Int?
    var duration: Double?
    var state: MediaItem.State
    var failure: String?
    var createdAt: Date
    var placeholder: String?
    var animated: Bool

    // The probe is stored as `microcast probe` prints it: snake_case JSON.
    static func databaseJSONEncoder(for column: String) -> JSONEncoder { MediaProbe.encoder() }
    static func databaseJSONDecoder(for column: String) -> JSONDecoder { MediaProbe.decoder() }

    init(_ item: MediaItem) {
        id = item.id
        kind = item.kind
        mimeType = item.mimeType
        fileExtension = item.fileExtension
        byteCount = item.byteCount
        sha256 = item.sha256
        originalName = item.originalName
        probe = item.probe
        alt = item.alt
        width = item.width
        height = item.height
        duration = item.duration
        state = item.state
        failure = item.failure
        createdAt = item.createdAt
        placeholder = item.placeholder
        animated = item.isAnimated
    }

    var item: MediaItem {
        MediaItem(
            id: id,
            kind: kind,
            mimeType: mimeType,
            fileExtension: fileExtension,
            byteCount: byteCount,
            sha256: sha256,
            originalName: originalName,
            probe: probe,
            alt: alt,
            width: width,
            height: height,
            duration: duration,
            state: state,
            failure: failure,
            createdAt: createdAt,
            placeholder: placeholder,
            isAnimated: animated
        )
    }
}

/// A row of `renditions`. `format` holds the role (`RenditionRole.stored`).
struct RenditionRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "renditions"
    enum Columns {
        static let mediaId = Column(CodingKeys.mediaId)
        static let fileName = Column(CodingKeys.fileName)
    }

    var id: Int64?
    var mediaId: String
    var format: String
    var mimeType: String
    var width: Int
    var height: Int
    var byteCount: Int64
    var fileName: String
    var duration: Double?
    var bitRate: Int?

    init(_ rendition: Rendition) {
        mediaId = rendition.mediaId
        format = rendition.role.stored
        mimeType = rendition.mimeType
        width = rendition.width
        height = rendition.height
        byteCount = rendition.byteCount
        fileName = rendition.fileName
        duration = rendition.duration
        bitRate = rendition.bitRate
    }

    func rendition() throws -> Rendition {
        guard let role = RenditionRole(stored: format, mimeType: mimeType) else {
            throw StoreError("rendition \(fileName) has a role this version does not know: \(format) (\(mimeType))")
        }
        return Rendition(
            mediaId: mediaId,
            role: role,
            mimeType: mimeType,
            width: width,
            height: height,
            byteCount: byteCount,
            fileName: fileName,
            duration: duration,
            bitRate: bitRate
        )
    }
}

extension SQLiteStore: MediaRepository {
    public func add(_ item: MediaItem, jobs: [JobRequest]) async throws {
        try await pool.write { db in
            try MediaRecord(item).insert(db)
            for request in jobs {
                var job = JobRecord(request, now: Date())
                try job.insert(db)
            }
        }
        if !jobs.isEmpty { wakeUps.wakeAll() }
    }

    public func media(id: String) async throws -> MediaItem? {
        try await pool.read { db in try MediaRecord.fetchOne(db, key: id)?.item }
    }

    public func media(ids: [String]) async throws -> [String: MediaItem] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try MediaRecord.filter(keys: ids).fetchAll(db).map { ($0.id, $0.item) })
        }
    }

    public func media(sha256: String) async throws -> MediaItem? {
        try await pool.read { db in
            try MediaRecord
                .filter(MediaRecord.Columns.sha256 == sha256 && MediaRecord.Columns.state != MediaItem.State.failed)
                .order(MediaRecord.Columns.createdAt.desc)
                .fetchOne(db)?.item
        }
    }

    public func recentMedia(limit: Int, offset: Int) async throws -> [MediaItem] {
        try await pool.read { db in
            try MediaRecord.order(MediaRecord.Columns.createdAt.desc, MediaRecord.Columns.id).limit(limit, offset: offset)
                .fetchAll(db).map(\.item)
        }
    }

    public func setAlt(mediaId: String, alt: String?) async throws {
        try await pool.write { db in
            _ = try MediaRecord.filter(key: mediaId).updateAll(db, MediaRecord.Columns.alt.set(to: alt))
        }
    }

    public func posts(usingMedia id: String) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT posts.slug FROM postMedia JOIN posts ON posts.id = postMedia.postId WHERE postMedia.mediaId = ? ORDER BY posts.id",
                arguments: [id]
            )
        }
    }

    public func remove(mediaId: String) async throws -> [String] {
        try await pool.write { db in
            let names = try String.fetchAll(
                db,
                RenditionRecord.filter(RenditionRecord.Columns.mediaId == mediaId).select(RenditionRecord.Columns.fileName)
            )
            _ = try MediaRecord.deleteOne(db, key: mediaId)
            _ = try JobRecord.filter(
                JobKind.working(on: .media).map(\.rawValue).contains(JobRecord.Columns.kind) && JobRecord.Columns.subject == mediaId
            )
            .deleteAll(db)
            return names
        }
    }

    public func renditions(forMedia ids: [String]) async throws -> [String: RenditionSet] {
        try await pool.read { db in
            let rows = try RenditionRecord.filter(ids.contains(RenditionRecord.Columns.mediaId)).fetchAll(db)
            return try Dictionary(grouping: rows.map { try $0.rendition() }, by: \.mediaId).mapValues(RenditionSet.init)
        }
    }

    public func finishProcessing(mediaId: String, renditions: [Rendition], placeholder: String?) async throws {
        try await pool.write { db in try Self.finish(mediaId: mediaId, renditions: renditions, placeholder: placeholder, db) }
    }

    static func finish(mediaId: String, renditions: [Rendition], placeholder: String?, _ db: Database) throws {
        // Its transcripts are another job's, and outlive a new encoding of the same recording.
        try RenditionRecord.filter(RenditionRecord.Columns.mediaId == mediaId && !Column("format").like("transcript-%")).deleteAll(db)
        for rendition in renditions {
            var record = RenditionRecord(rendition)
            try record.insert(db)
        }
        try MediaRecord.filter(key: mediaId).updateAll(
            db,
            MediaRecord.Columns.state.set(to: MediaItem.State.ready),
            MediaRecord.Columns.failure.set(to: nil),
            MediaRecord.Columns.placeholder.set(to: placeholder)
        )
    }

    /// Replaces the item's transcript files with `renditions`.
    static func recordTranscripts(mediaId: String, renditions: [Rendition], _ db: Database) throws {
        try RenditionRecord.filter(RenditionRecord.Columns.mediaId == mediaId && Column("format").like("transcript-%")).deleteAll(db)
        for rendition in renditions {
            var record = RenditionRecord(rendition)
            try record.insert(db)
        }
    }

    static func fail(mediaId: String, reason: String, _ db: Database) throws {
        _ = try MediaRecord.filter(key: mediaId).updateAll(
            db,
            MediaRecord.Columns.state.set(to: MediaItem.State.failed),
            MediaRecord.Columns.failure.set(to: reason)
        )
    }
}
