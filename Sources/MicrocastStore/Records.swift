import Foundation
import GRDB
import MicrocastCore

// Rows as plain structs; conversion to the domain values lives beside each.

struct PostRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "posts"
    var id: Int64?
    var slug: String
    var type: String
    var properties: String
    var published: Date
    var updated: Date?
    var status: String
    var deletedAt: Date?
    var createdAt: Date

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    init(_ post: Post, createdAt: Date) throws {
        id = post.id
        slug = post.slug
        type = post.type
        properties = String(decoding: try JSONEncoder.sorted.encode(post.properties), as: UTF8.self)
        published = post.published
        updated = post.updated
        status = post.status.rawValue
        deletedAt = post.deletedAt
        self.createdAt = createdAt
    }

    func post() throws -> Post {
        Post(
            id: id, slug: slug, type: type,
            properties: try JSONDecoder().decode(MF2Properties.self, from: Data(properties.utf8)),
            published: published, updated: updated, status: Post.Status(rawValue: status) ?? .published,
            deletedAt: deletedAt)
    }
}

struct MediaRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "media"
    var id: String
    var kind: String
    var mimeType: String
    var fileExtension: String
    var byteCount: Int64
    var sha256: String
    var originalName: String?
    var probe: String
    var alt: String?
    var width: Int?
    var height: Int?
    var duration: Double?
    var state: String
    var failure: String?
    var createdAt: Date
    var placeholder: String?
    var animated: Bool

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
        state = item.state.rawValue
        failure = item.failure
        createdAt = item.createdAt
        placeholder = item.placeholder
        animated = item.isAnimated
    }

    var item: MediaItem {
        MediaItem(
            id: id, kind: kind, mimeType: mimeType, fileExtension: fileExtension, byteCount: byteCount,
            sha256: sha256, originalName: originalName, probe: probe, alt: alt, width: width, height: height,
            duration: duration, state: MediaItem.State(rawValue: state) ?? .failed, failure: failure,
            createdAt: createdAt, placeholder: placeholder, isAnimated: animated)
    }
}

struct RenditionRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "renditions"
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
        format = rendition.format
        mimeType = rendition.mimeType
        width = rendition.width
        height = rendition.height
        byteCount = rendition.byteCount
        fileName = rendition.fileName
        duration = rendition.duration
        bitRate = rendition.bitRate
    }

    var rendition: Rendition {
        Rendition(
            mediaId: mediaId, format: format, mimeType: mimeType, width: width, height: height,
            byteCount: byteCount, fileName: fileName, duration: duration, bitRate: bitRate)
    }
}

struct PostMediaRow: Codable, PersistableRecord {
    static let databaseTableName = "postMedia"
    var postId: Int64
    var mediaId: String
    var position: Int
}

struct TokenRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "tokens"
    var id: Int64?
    var hash: String
    var kind: String
    var scope: String
    var clientId: String?
    var grantId: String
    var createdAt: Date
    var expiresAt: Date?
    var revokedAt: Date?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    init(_ token: AccessToken) {
        id = token.id
        hash = token.hash
        kind = token.kind.rawValue
        scope = token.scope.description
        clientId = token.clientId
        grantId = token.grant ?? UUID().uuidString.lowercased()
        createdAt = token.createdAt
        expiresAt = token.expiresAt
        revokedAt = token.revokedAt
    }

    var token: AccessToken {
        AccessToken(
            id: id, hash: hash, kind: AccessToken.Kind(rawValue: kind) ?? .access, scope: ScopeSet(scope),
            clientId: clientId, grant: grantId, createdAt: createdAt, expiresAt: expiresAt, revokedAt: revokedAt)
    }
}

struct AuthorizationCodeRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "authorizationCodes"
    var hash: String
    var clientId: String
    var redirectURI: String
    var codeChallenge: String
    var scope: String
    var expiresAt: Date
    var usedAt: Date?

    var code: AuthorizationCode {
        AuthorizationCode(
            hash: hash, clientId: clientId, redirectURI: redirectURI, codeChallenge: codeChallenge,
            scope: ScopeSet(scope), expiresAt: expiresAt)
    }
}

struct JobRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "jobs"
    var id: Int64?
    var kind: String
    var mediaId: String
    var state: String
    var attempts: Int
    var maxAttempts: Int
    var runAfter: Date
    var leaseOwner: String?
    var leaseUntil: Date?
    var lastError: String?
    var createdAt: Date
    var updatedAt: Date

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var job: Job {
        Job(
            id: id ?? 0, kind: kind, mediaId: mediaId, state: Job.State(rawValue: state) ?? .failed,
            attempts: attempts, maxAttempts: maxAttempts, lastError: lastError)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

struct IngestRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "ingests"
    var hash: String
    var source: String
    var postSlug: String
    var createdAt: Date

    var record: IngestRecord { IngestRecord(hash: hash, source: source, postSlug: postSlug, createdAt: createdAt) }
}
