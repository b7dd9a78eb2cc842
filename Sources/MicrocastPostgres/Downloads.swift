import Foundation
import MicrocastCore
import PostgresNIO

extension PostgresStore: DownloadRepository {
    public func addDownloads(_ counts: [DownloadCount]) async throws {
        guard !counts.isEmpty else { return }
        try await transaction { connection in
            for count in counts {
                try await Self.addDownload(count, on: connection, logger: logger)
            }
        }
    }

    static func addDownload(_ count: DownloadCount, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute(
            """
            INSERT INTO downloads (episode, day, app, count) VALUES (\(count.episode), \(count.day), \(count.app.rawValue), \(Int64(count.count)))
            ON CONFLICT (episode, day, app) DO UPDATE SET count = downloads.count + excluded.count
            """,
            logger: logger
        )
    }

    public func downloads() async throws -> [DownloadCount] {
        try await rows("SELECT episode, day, app, count FROM downloads ORDER BY day, episode, app").map(Self.download)
    }

    static func download(_ row: PostgresRandomAccessRow) throws -> DownloadCount {
        DownloadCount(
            episode: try row.value("episode"),
            day: try row.value("day"),
            app: ListenerApp(rawValue: try row.value("app")) ?? .other,
            count: Int(try row.value("count", as: Int64.self))
        )
    }
}
