import Foundation
import GRDB
import MicrocastCore

extension SQLiteStore: DownloadRepository {
    public func addDownloads(_ counts: [DownloadCount]) async throws {
        guard !counts.isEmpty else { return }
        try await pool.write { db in
            for count in counts {
                try db.execute(
                    sql: """
                        INSERT INTO downloads (episode, day, app, count) VALUES (?, ?, ?, ?)
                        ON CONFLICT (episode, day, app) DO UPDATE SET count = count + excluded.count
                        """,
                    arguments: [count.episode, count.day, count.app.rawValue, count.count]
                )
            }
        }
    }

    public func downloads() async throws -> [DownloadCount] {
        try await pool.read { db in try Self.downloads(db) }
    }

    static func downloads(_ db: Database) throws -> [DownloadCount] {
        try Row.fetchAll(db, sql: "SELECT episode, day, app, count FROM downloads ORDER BY day, episode, app").map { row in
            DownloadCount(
                episode: row["episode"],
                day: row["day"],
                app: ListenerApp(rawValue: row["app"]) ?? .other,
                count: row["count"]
            )
        }
    }
}
