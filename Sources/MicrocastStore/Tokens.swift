import Foundation
import GRDB
import MicrocastCore

/// A row of `tokens`: the SHA-256 of a token, never the token.
struct TokenRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "tokens"
    enum Columns {
        static let id = Column(CodingKeys.id)
        static let hash = Column(CodingKeys.hash)
        static let kind = Column(CodingKeys.kind)
        static let grantId = Column(CodingKeys.grantId)
        static let expiresAt = Column(CodingKeys.expiresAt)
        static let revokedAt = Column(CodingKeys.revokedAt)
        static let lastUsedAt = Column(CodingKeys.lastUsedAt)
    }

    var id: Int64?
    var hash: String
    var kind: AccessToken.Kind
    var scope: ScopeSet
    var clientId: String?
    var grantId: String
    var createdAt: Date
    var expiresAt: Date?
    var revokedAt: Date?
    var lastUsedAt: Date?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    init(_ token: AccessToken) {
        id = token.id
        hash = token.hash
        kind = token.kind
        scope = token.scope
        clientId = token.clientId
        grantId = token.grant ?? UUID().uuidString.lowercased()
        createdAt = token.createdAt
        expiresAt = token.expiresAt
        revokedAt = token.revokedAt
        lastUsedAt = token.lastUsedAt
    }

    var token: AccessToken {
        AccessToken(
            id: id,
            hash: hash,
            kind: kind,
            scope: scope,
            clientId: clientId,
            grant: grantId,
            createdAt: createdAt,
            expiresAt: expiresAt,
            revokedAt: revokedAt,
            lastUsedAt: lastUsedAt
        )
    }
}

extension SQLiteStore: TokenRepository {
    public func addToken(_ token: AccessToken) async throws {
        try await pool.write { db in
            var record = TokenRecord(token)
            try record.insert(db)
        }
    }

    public func token(hash: String, kind: AccessToken.Kind, now: Date) async throws -> AccessToken? {
        try await pool.read { db in
            try TokenRecord
                .filter(TokenRecord.Columns.hash == hash && TokenRecord.Columns.kind == kind && TokenRecord.Columns.revokedAt == nil)
                .filter(TokenRecord.Columns.expiresAt == nil || TokenRecord.Columns.expiresAt > now)
                .fetchOne(db)?.token
        }
    }

    public func allTokens() async throws -> [AccessToken] {
        try await pool.read { db in try TokenRecord.order(TokenRecord.Columns.id.desc).fetchAll(db).map(\.token) }
    }

    public func revokeToken(id: Int64, now: Date) async throws -> Bool {
        try await pool.write { db in
            guard let token = try TokenRecord.fetchOne(db, key: id) else { return false }
            try Self.revokeGrant(token.grantId, db: db, now: now)
            return true
        }
    }

    public func revokeToken(hash: String, now: Date) async throws {
        try await pool.write { db in
            guard let token = try TokenRecord.filter(TokenRecord.Columns.hash == hash).fetchOne(db) else { return }
            try Self.revokeGrant(token.grantId, db: db, now: now)
        }
    }

    public func redeemRefreshToken(hash: String, now: Date) async throws -> RefreshRedemption {
        try await pool.write { db in
            guard
                var token = try TokenRecord.filter(TokenRecord.Columns.hash == hash && TokenRecord.Columns.kind == AccessToken.Kind.refresh)
                    .fetchOne(db),
                token.expiresAt.map({ $0 > now }) ?? true
            else { return .unknown }
            guard token.revokedAt == nil else {
                try Self.revokeGrant(token.grantId, db: db, now: now)
                return .reused
            }
            token.revokedAt = now
            try token.update(db)
            return .valid(token.token)
        }
    }

    public func touchToken(id: Int64, at date: Date) async throws {
        try await pool.write { db in
            // At most one write a minute per token, however busy the client.
            _ = try TokenRecord.filter(key: id)
                .filter(TokenRecord.Columns.lastUsedAt == nil || TokenRecord.Columns.lastUsedAt < date.addingTimeInterval(-60))
                .updateAll(db, TokenRecord.Columns.lastUsedAt.set(to: date))
        }
    }

    static func revokeGrant(_ grant: String, db: Database, now: Date) throws {
        _ = try TokenRecord.filter(TokenRecord.Columns.grantId == grant && TokenRecord.Columns.revokedAt == nil)
            .updateAll(db, TokenRecord.Columns.revokedAt.set(to: now))
    }
}
