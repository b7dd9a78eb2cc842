import Foundation
import MicrocastCore
import PostgresNIO

extension PostgresStore: OwnerRepository {
    public func passphraseHash() async throws -> String? {
        try await rows("SELECT passphrase_hash FROM owner WHERE id = 1").first?.value("passphrase_hash")
    }

    public func setPassphraseHash(_ hash: String, now: Date) async throws {
        try await transaction { connection in
            try await connection.execute(
                """
                INSERT INTO owner (id, passphrase_hash, updated_at) VALUES (1, \(hash), \(now))
                ON CONFLICT (id) DO UPDATE SET passphrase_hash = excluded.passphrase_hash, updated_at = excluded.updated_at
                """,
                logger: logger
            )
            // A new passphrase signs every browser out.
            try await connection.execute("DELETE FROM sessions", logger: logger)
        }
    }

    public func addSession(hash: String, csrf: String, signedInAt: Date, expiresAt: Date) async throws {
        try await transaction { connection in
            try await connection.execute("DELETE FROM sessions WHERE expires_at <= \(signedInAt)", logger: logger)
            try await connection.execute(
                "INSERT INTO sessions (hash, csrf, signed_in_at, expires_at) VALUES (\(hash), \(csrf), \(signedInAt), \(expiresAt))",
                logger: logger
            )
        }
    }

    public func session(hash: String, now: Date) async throws -> OwnerSession? {
        try await rows("SELECT csrf, signed_in_at FROM sessions WHERE hash = \(hash) AND expires_at > \(now)").first.map {
            OwnerSession(csrf: try $0.value("csrf"), signedInAt: try $0.value("signed_in_at", as: Date?.self) ?? .distantPast)
        }
    }

    public func confirmSession(hash: String, at date: Date) async throws {
        try await execute("UPDATE sessions SET signed_in_at = \(date) WHERE hash = \(hash)")
    }

    public func removeSession(hash: String) async throws {
        try await execute("DELETE FROM sessions WHERE hash = \(hash)")
    }

    public func addCode(_ code: AuthorizationCode) async throws {
        try await execute(
            """
            INSERT INTO authorization_codes (hash, client_id, redirect_uri, code_challenge, scope, expires_at)
            VALUES (\(code.hash), \(code.clientId), \(code.redirectURI), \(code.codeChallenge), \(code.scope.description), \(code.expiresAt))
            """
        )
    }

    public func redeemCode(hash: String, now: Date) async throws -> AuthorizationCode? {
        // Marked used in the same statement that reads it: a code works once, even raced.
        try await rows(
            """
            UPDATE authorization_codes SET used_at = \(now) WHERE hash = \(hash) AND used_at IS NULL
            RETURNING hash, client_id, redirect_uri, code_challenge, scope, expires_at
            """
        ).first.flatMap { row in
            let code = try Self.code(row)
            return code.expiresAt > now ? code : nil
        }
    }

    static func code(_ row: PostgresRandomAccessRow) throws -> AuthorizationCode {
        AuthorizationCode(
            hash: try row.value("hash"),
            clientId: try row.value("client_id"),
            redirectURI: try row.value("redirect_uri"),
            codeChallenge: try row.value("code_challenge"),
            scope: ScopeSet(try row.value("scope", as: String.self)),
            expiresAt: try row.value("expires_at")
        )
    }
}
