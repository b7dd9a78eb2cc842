import Foundation
import Logging
import MicrocastCore
import PostgresNIO

extension PostgresStore: RedirectRepository {
    static let redirectColumns = "path, target, created_at"

    static func redirect(_ row: PostgresRandomAccessRow) throws -> Redirect {
        Redirect(
            path: try row.value("path", as: String.self),
            target: try row.value("target", as: String.self),
            createdAt: try row.value("created_at", as: Date.self)
        )
    }

    public func redirect(path: String) async throws -> Redirect? {
        try await rows("SELECT \(unescaped: Self.redirectColumns) FROM redirects WHERE path = \(path)").first.map(Self.redirect)
    }

    public func redirects() async throws -> [Redirect] {
        try await rows("SELECT \(unescaped: Self.redirectColumns) FROM redirects ORDER BY path").map(Self.redirect)
    }

    public func setRedirect(_ redirect: Redirect) async throws {
        try await transaction { connection in
            try await Self.insertRedirect(redirect, upsert: true, on: connection, logger: logger)
        }
    }

    static func insertRedirect(_ redirect: Redirect, upsert: Bool = false, on connection: PostgresConnection, logger: Logger) async throws {
        let conflict = upsert ? " ON CONFLICT (path) DO UPDATE SET target = EXCLUDED.target" : ""
        try await connection.execute(
            """
            INSERT INTO redirects (path, target, created_at)
            VALUES (\(redirect.path), \(redirect.target), \(redirect.createdAt))\(unescaped: conflict)
            """,
            logger: logger
        )
    }

    public func removeRedirect(path: String) async throws -> Bool {
        try await transaction { connection in
            !(try await connection.rows("DELETE FROM redirects WHERE path = \(path) RETURNING path", logger: logger).isEmpty)
        }
    }
}
