import Foundation
import MediaModel
import MicrocastCore
import PostgresNIO

extension PostgresStore: MediaRepository {
    static let mediaColumns = """
        id, kind, mime_type, file_extension, byte_count, sha256, original_name, probe, alt, width, height, duration,
        state, failure, created_at, placeholder, animated
        """

    static func media(_ row: PostgresRandomAccessRow) throws -> MediaItem {
        MediaItem(
            id: try row.value("id"),
            kind: try row.value("kind"),
            mimeType: try row.value("mime_type"),
            fileExtension: try row.value("file_extension"),
            byteCount: try row.value("byte_count"),
            sha256: try row.value("sha256"),
            originalName: try row.value("original_name"),
            // Stored as `microcast probe` prints it: snake_case JSON.
            probe: try MediaProbe.decoder().decode(MediaProbe.self, from: Data(try row.value("probe", as: String.self).utf8)),
            alt: try row.value("alt"),
            width: try row.value("width", as: Int64?.self).map(Int.init),
            height: try row.value("height", as: Int64?.self).map(Int.init),
            duration: try row.value("duration"),
            state: try row.value("state"),
            failure: try row.value("failure"),
            createdAt: try row.value("created_at"),
            placeholder: try row.value("placeholder"),
            isAnimated: try row.value("animated")
        )
    }

    static func insert(_ item: MediaItem, on connection: PostgresConnection, logger: Logger) async throws {
        let probe = String(decoding: try MediaProbe.encoder().encode(item.probe), as: UTF8.self)
        try await connection.execute(
            """
            INSERT INTO media (\(unescaped: mediaColumns)) VALUES (
              \(item.id), \(item.kind), \(item.mimeType), \(item.fileExtension), \(item.byteCount), \(item.sha256), \(item.originalName),
              \(probe), \(item.alt), \(item.width.map(Int64.init)), \(item.height.map(Int64.init)), \(item.duration), \(item.state),
              \(item.failure), \(item.createdAt), \(item.placeholder), \(item.isAnimated))
            """,
            logger: logger
        )
    }

    public func add(_ item: MediaItem, jobs: [JobRequest]) async throws {
        // The upload and its jobs in one transaction: never a file without its processing.
        try await transaction { connection in
            try await Self.insert(item, on: connection, logger: logger)
            for request in jobs {
                let now = Date()
                try await connection.execute(
                    """
                    INSERT INTO jobs (kind, subject, state, attempts, max_attempts, run_after, created_at, updated_at)
                    VALUES (\(request.kind), \(request.subject.key), \(Job.State.queued), 0, \(Int64(request.maxAttempts)), \(now), \(now), \(now))
                    """,
                    logger: logger
                )
            }
        }
    }

    public func media(id: String) async throws -> MediaItem? {
        try await rows("SELECT \(unescaped: Self.mediaColumns) FROM media WHERE id = \(id)").first.map(Self.media)
    }

    public func media(ids: [String]) async throws -> [String: MediaItem] {
        guard !ids.isEmpty else { return [:] }
        let items = try await rows("SELECT \(unescaped: Self.mediaColumns) FROM media WHERE id = ANY(\(ids))").map(Self.media)
        return Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func media(sha256: String) async throws -> MediaItem? {
        try await rows(
            """
            SELECT \(unescaped: Self.mediaColumns) FROM media WHERE sha256 = \(sha256) AND state <> \(MediaItem.State.failed)
            ORDER BY created_at DESC LIMIT 1
            """
        ).first.map(Self.media)
    }

    public func recentMedia(limit: Int, offset: Int) async throws -> [MediaItem] {
        try await rows(
            """
            SELECT \(unescaped: Self.mediaColumns) FROM media ORDER BY created_at DESC, id
            LIMIT \(Int64(clamping: limit)) OFFSET \(Int64(offset))
            """
        ).map(Self.media)
    }

    public func setAlt(mediaId: String, alt: String?) async throws {
        try await execute("UPDATE media SET alt = \(alt) WHERE id = \(mediaId)")
    }

    public func posts(usingMedia id: String) async throws -> [String] {
        try await rows(
            "SELECT posts.slug FROM post_media JOIN posts ON posts.id = post_media.post_id WHERE post_media.media_id = \(id) ORDER BY posts.id"
        ).map { try $0.value("slug") }
    }

    public func remove(mediaId: String) async throws -> [String] {
        try await transaction { connection in
            let names = try await connection.rows("SELECT file_name FROM renditions WHERE media_id = \(mediaId)", logger: logger)
                .map { try $0.value("file_name", as: String.self) }
            try await connection.execute("DELETE FROM media WHERE id = \(mediaId)", logger: logger)
            try await connection.execute(
                "DELETE FROM jobs WHERE subject = \(mediaId) AND kind = ANY(\(JobKind.working(on: .media).map(\.rawValue)))",
                logger: logger
            )
            return names
        }
    }

    static let renditionColumns = "media_id, format, mime_type, width, height, byte_count, file_name, duration, bit_rate"

    static func rendition(_ row: PostgresRandomAccessRow) throws -> Rendition {
        let format: String = try row.value("format")
        let mimeType: String = try row.value("mime_type")
        let fileName: String = try row.value("file_name")
        guard let role = RenditionRole(stored: format, mimeType: mimeType) else {
            throw StoreError("rendition \(fileName) has a role this version does not know: \(format) (\(mimeType))")
        }
        return Rendition(
            mediaId: try row.value("media_id"),
            role: role,
            mimeType: mimeType,
            width: Int(try row.value("width", as: Int64.self)),
            height: Int(try row.value("height", as: Int64.self)),
            byteCount: try row.value("byte_count"),
            fileName: fileName,
            duration: try row.value("duration"),
            bitRate: try row.value("bit_rate", as: Int64?.self).map(Int.init)
        )
    }

    static func insert(_ rendition: Rendition, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute(
            """
            INSERT INTO renditions (\(unescaped: renditionColumns)) VALUES (
              \(rendition.mediaId), \(rendition.role.stored), \(rendition.mimeType), \(Int64(rendition.width)), \(Int64(rendition.height)),
              \(rendition.byteCount), \(rendition.fileName), \(rendition.duration), \(rendition.bitRate.map(Int64.init)))
            """,
            logger: logger
        )
    }

    public func renditions(forMedia ids: [String]) async throws -> [String: RenditionSet] {
        guard !ids.isEmpty else { return [:] }
        let all = try await rows("SELECT \(unescaped: Self.renditionColumns) FROM renditions WHERE media_id = ANY(\(ids)) ORDER BY id")
            .map(Self.rendition)
        return Dictionary(grouping: all, by: \.mediaId).mapValues(RenditionSet.init)
    }

    public func finishProcessing(mediaId: String, renditions: [Rendition], placeholder: String?) async throws {
        try await transaction { connection in
            try await Self.finish(mediaId: mediaId, renditions: renditions, placeholder: placeholder, on: connection, logger: logger)
        }
    }

    /// The renditions and the ready state together: a page never lists half of them.
    static func finish(
        mediaId: String,
        renditions: [Rendition],
        placeholder: String?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        // Its transcripts are another job's, and outlive a new encoding of the same recording.
        try await connection.execute("DELETE FROM renditions WHERE media_id = \(mediaId) AND format NOT LIKE 'transcript-%'", logger: logger)
        for rendition in renditions { try await insert(rendition, on: connection, logger: logger) }
        try await connection.execute(
            "UPDATE media SET state = \(MediaItem.State.ready), failure = NULL, placeholder = \(placeholder) WHERE id = \(mediaId)",
            logger: logger
        )
    }

    /// Replaces the item's transcript files with `renditions`.
    static func recordTranscripts(mediaId: String, renditions: [Rendition], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute("DELETE FROM renditions WHERE media_id = \(mediaId) AND format LIKE 'transcript-%'", logger: logger)
        for rendition in renditions { try await insert(rendition, on: connection, logger: logger) }
    }
}
