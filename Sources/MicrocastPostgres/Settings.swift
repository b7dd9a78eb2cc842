import Foundation
import MicrocastCore
import PostgresNIO

extension PostgresStore: SettingsRepository {
    public func settings() async throws -> Settings {
        Settings(
            stored: Dictionary(
                uniqueKeysWithValues: try await rows("SELECT key, value FROM settings").map { (try $0.value("key"), try $0.value("value")) }
            )
        )
    }

    /// Sets each value; a nil value removes the setting.
    public func setSettings(_ values: [SettingKey: String?]) async throws {
        try await transaction { connection in
            for (key, value) in values {
                if let value {
                    try await connection.execute(
                        "INSERT INTO settings (key, value) VALUES (\(key.name), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        logger: logger
                    )
                } else {
                    try await connection.execute("DELETE FROM settings WHERE key = \(key.name)", logger: logger)
                }
            }
        }
    }
}
