import Foundation
import MicrocastCore
import PostgresNIO

/// Tokens are stored by their SHA-256, never as themselves.
extension PostgresStore: TokenRepository {
    static let tokenColumns = "id, hash, kind, scope, client_id, grant_id, created_at, expires_at, revoked_at, last_used_at"

    static func token(_ row: PostgresRandomAccessRow) throws -> AccessToken {
        AccessToken(
            id: try row.value("id"),
            hash: try row.value("hash"),
            kind: try row.value("kind"),
            scope: ScopeSet(try row.value("scope", as: String.self)),
            clientId: try row.value("client_id"),
            grant: try row.value("grant_id"),
            createdAt: try row.value("created_at"),
            expiresAt: try row.value("expires_at"),
            revokedAt: try row.value("revoked_at"),
            lastUsedAt: try row.value("last_used_at")
        )
    }

    static func insert(_ token: AccessToken, keepingId: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        let grant = token.grant ?? UUID().uuidString.lowercased()
        if keepingId, let id = token.id {
            try await connection.execute(
                """
                INSERT INTO tokens (\(unescaped: tokenColumns)) VALUES (\(id), \(token.hash), \(token.kind), \(token.scope.description),
                  \(token.clientId), \(grant), \(token.createdAt), \(token.expiresAt), \(token.revokedAt), \(token.lastUsedAt))
                """,
                logger: logger
            )
        } else {
            try await connection.execute(
                """
                INSERT INTO tokens (hash, kind, scope, client_id, grant_id, created_at, expires_at, revoked_at, last_used_at)
                VALUES (\(token.hash), \(token.kind), \(token.scope.description), \(token.clientId), \(grant), \(token.createdAt),
                  \(token.expiresAt), \(token.revokedAt), \(token.lastUsedAt))
                """,
                logger: logger
            )
        }
    }

    public func addToken(_ token: AccessToken) async throws {
        try await client.withConnection { connection in try await Self.insert(token, keepingId: false, on: connection, logger: logger) }
    }

    public func token(hash: String, kind: AccessToken.Kind, now: Date) async throws -> AccessToken? {
        try await rows(
            """
            SELECT \(unescaped: Self.tokenColumns) FROM tokens
            WHERE hash = \(hash) AND kind = \(kind) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > \(now))
            """
        ).first.map(Self.token)
    }

    public func allTokens() async throws -> [AccessToken] {
        try await rows("SELECT \(unescaped: Self.tokenColumns) FROM tokens ORDER BY id DESC").map(Self.token)
    }

    public func revokeToken(id: Int64, now: Date) async throws -> Bool {
        guard let grant = try await rows("SELECT grant_id FROM tokens WHERE id = \(id)").first?.value("grant_id", as: String.self) else {
            return false
        }
        try await execute("UPDATE tokens SET revoked_at = \(now) WHERE grant_id = \(grant) AND revoked_at IS NULL")
        return true
    }

    public func revokeToken(hash: String, now: Date) async throws {
        try await execute(
            """
            UPDATE tokens SET revoked_at = \(now)
            WHERE grant_id = (SELECT grant_id FROM tokens WHERE hash = \(hash)) AND revoked_at IS NULL
            """
        )
    }

    public func redeemRefreshToken(hash: String, now: Date) async throws -> RefreshRedemption {
        try await transaction { connection in
            // Locked, so two redemptions of one token cannot both succeed.
            guard
                let row = try await connection.rows(
                    "SELECT \(unescaped: Self.tokenColumns) FROM tokens WHERE hash = \(hash) AND kind = 'refresh' FOR UPDATE",
                    logger: logger
                ).first
            else { return .unknown }
            var token = try Self.token(row)
            guard token.expiresAt.map({ $0 > now }) ?? true else { return .unknown }
            guard token.revokedAt == nil else {
                // A used refresh token presented again: someone has a copy. The whole grant ends.
                try await connection.execute(
                    "UPDATE tokens SET revoked_at = \(now) WHERE grant_id = \(token.grant ?? "") AND revoked_at IS NULL",
                    logger: logger
                )
                return .reused
            }
            try await connection.execute("UPDATE tokens SET revoked_at = \(now) WHERE id = \(token.id ?? 0)", logger: logger)
            token.revokedAt = now
            return .valid(token)
        }
    }

    public func touchToken(id: Int64, at date: Date) async throws {
        // At most one write a minute per token, however busy the client.
        try await execute(
            """
            UPDATE tokens SET last_used_at = \(date)
            WHERE id = \(id) AND (last_used_at IS NULL OR last_used_at < \(date.addingTimeInterval(-60)))
            """
        )
    }
}
