import Foundation
import GRDB
import MicrocastCore

/// A row of `authorizationCodes`: a code's hash and what it was issued for.
struct AuthorizationCodeRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "authorizationCodes"
    var hash: String
    var clientId: String
    var redirectURI: String
    var codeChallenge: String
    var scope: ScopeSet
    var expiresAt: Date
    var usedAt: Date?

    var code: AuthorizationCode {
        AuthorizationCode(
            hash: hash,
            clientId: clientId,
            redirectURI: redirectURI,
            codeChallenge: codeChallenge,
            scope: scope,
            expiresAt: expiresAt
        )
    }
}

/// A row of `sessions`: a signed-in browser, by the hash of its cookie.
struct SessionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "sessions"
    enum Columns {
        static let hash = Column(CodingKeys.hash)
        static let signedInAt = Column(CodingKeys.signedInAt)
        static let expiresAt = Column(CodingKeys.expiresAt)
    }

    var hash: String
    var csrf: String
    var signedInAt: Date?
    var expiresAt: Date
}

extension SQLiteStore: OwnerRepository {
    public func passphraseHash() async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT passwordHash FROM owner WHERE id = 1") }
    }

    public func setPassphraseHash(_ hash: String, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO owner (id, passwordHash, updatedAt) VALUES (1, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET passwordHash = excluded.passwordHash, updatedAt = excluded.updatedAt
                    """,
                arguments: [hash, now]
            )
            // A new passphrase signs every browser out.
            try SessionRecord.deleteAll(db)
        }
    }

    public func addSession(hash: String, csrf: String, signedInAt: Date, expiresAt: Date) async throws {
        try await pool.write { db in
            try SessionRecord.filter(SessionRecord.Columns.expiresAt <= signedInAt).deleteAll(db)
            try SessionRecord(hash: hash, csrf: csrf, signedInAt: signedInAt, expiresAt: expiresAt).insert(db)
        }
    }

    public func session(hash: String, now: Date) async throws -> OwnerSession? {
        try await pool.read { db in
            try SessionRecord.filter(key: hash).filter(SessionRecord.Columns.expiresAt > now).fetchOne(db)
                .map { OwnerSession(csrf: $0.csrf, signedInAt: $0.signedInAt ?? .distantPast) }
        }
    }

    public func confirmSession(hash: String, at date: Date) async throws {
        try await pool.write { db in
            _ = try SessionRecord.filter(key: hash).updateAll(db, SessionRecord.Columns.signedInAt.set(to: date))
        }
    }

    public func removeSession(hash: String) async throws {
        try await pool.write { db in _ = try SessionRecord.deleteOne(db, key: hash) }
    }

    public func addCode(_ code: AuthorizationCode) async throws {
        try await pool.write { db in
            try AuthorizationCodeRecord(
                hash: code.hash,
                clientId: code.clientId,
                redirectURI: code.redirectURI,
                codeChallenge: code.codeChallenge,
                scope: code.scope,
                expiresAt: code.expiresAt
            ).insert(db)
        }
    }

    public func redeemCode(hash: String, now: Date) async throws -> AuthorizationCode? {
        try await pool.write { db in
            guard var record = try AuthorizationCodeRecord.fetchOne(db, key: hash), record.usedAt == nil else { return nil }
            record.usedAt = now
            try record.update(db)
            return record.expiresAt > now ? record.code : nil
        }
    }
}
