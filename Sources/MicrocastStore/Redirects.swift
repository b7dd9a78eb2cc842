import Foundation
import GRDB
import MicrocastCore

/// A row of `redirects`.
struct RedirectRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "redirects"
    var path: String
    var target: String
    var createdAt: Date

    init(_ redirect: Redirect) {
        path = redirect.path
        target = redirect.target
        createdAt = redirect.createdAt
    }

    var redirect: Redirect { Redirect(path: path, target: target, createdAt: createdAt) }
}

extension SQLiteStore: RedirectRepository {
    public func redirect(path: String) async throws -> Redirect? {
        try await pool.read { db in try RedirectRecord.fetchOne(db, key: path)?.redirect }
    }

    public func redirects() async throws -> [Redirect] {
        try await pool.read { db in try RedirectRecord.order(Column("path")).fetchAll(db).map(\.redirect) }
    }

    public func setRedirect(_ redirect: Redirect) async throws {
        try await pool.write { db in try RedirectRecord(redirect).upsert(db) }
    }

    public func removeRedirect(path: String) async throws -> Bool {
        try await pool.write { db in try RedirectRecord.deleteOne(db, key: path) }
    }
}
