import Foundation
import GRDB
import MicrocastCore

extension SQLiteStore: SettingsRepository {
    public func settings() async throws -> Settings {
        try await pool.read { db in
            Settings(
                stored: Dictionary(
                    uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM settings").map {
                        ($0["key"] as String, $0["value"] as String)
                    }
                )
            )
        }
    }

    /// Sets each value; a nil value removes the setting.
    public func setSettings(_ values: [SettingKey: String?]) async throws {
        try await pool.write { db in
            for (key, value) in values {
                if let value {
                    try db.execute(
                        sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        arguments: [key.name, value]
                    )
                } else {
                    try db.execute(sql: "DELETE FROM settings WHERE key = ?", arguments: [key.name])
                }
            }
        }
    }
}
