import Foundation
import GRDB
import MicrocastCore

extension SQLiteStore: SettingsRepository {
    public func settings() async throws -> [String: String] {
        try await pool.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM settings").map {
                    ($0["key"] as String, $0["value"] as String)
                }
            )
        }
    }

    /// Sets each value; a nil value removes the setting.
    public func setSettings(_ values: [String: String?]) async throws {
        try await pool.write { db in
            for (key, value) in values {
                if let value {
                    try db.execute(
                        sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        arguments: [key, value]
                    )
                } else {
                    try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [key])
                }
            }
        }
    }
}
