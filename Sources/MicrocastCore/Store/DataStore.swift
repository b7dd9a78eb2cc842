import Foundation

/// Every repository a Microcast process uses, from one database. SQLite
/// (`SQLiteStore`) and PostgreSQL (`PostgresStore`) implement it; the
/// composition root chooses the implementation from the database URL and
/// nothing else names one.
public protocol DataStore: PostRepository, MediaRepository, TokenRepository, OwnerRepository, SettingsRepository,
    IngestRepository, JobQueue, MentionRepository, DownloadRepository, SyndicationRepository, FollowerRepository, RedirectRepository,
    FollowingRepository, PushSubscriptionRepository, SearchRepository
{
    /// The database's own consistency check: `ok` for a sound one.
    func integrityCheck() async throws -> String

    /// Every row of every table, for `store copy` and for comparing two stores.
    func snapshot() async throws -> StoreSnapshot

    /// Writes `snapshot` into this store, keeping its ids, in one transaction;
    /// refused (`StoreCopyError.targetNotEmpty`) unless the store holds nothing yet.
    func restore(_ snapshot: StoreSnapshot) async throws

    /// Releases the connections; the store is not used after.
    func close() async

    /// Whether `error`, thrown by this store, says the database's disk is full.
    func isOutOfSpace(_ error: any Error) -> Bool
}

/// Where the store lives, from `--database URL`: `sqlite:PATH` (the default,
/// `DATA/microcast.sqlite`) or `postgres://user:password@host:port/db`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// Parses a `--database` value; relative SQLite paths are taken from the working directory.
    public init(_ text: String) throws {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw DatabaseLocationError("sqlite: needs a file path, as in sqlite:Media/microcast.sqlite") }
            self = .sqlite(path: path)
        } else {
            throw DatabaseLocationError("a database URL starts with sqlite: or postgres:// (got \(text))")
        }
    }

    /// The data folder's own SQLite file.
    public static func embedded(in dataDirectory: URL) -> DatabaseLocation {
        .sqlite(path: dataDirectory.appendingPathComponent("microcast.sqlite").path)
    }

    /// Printable, with any password hidden.
    public var description: String {
        switch self {
        case .sqlite(let path):
            return "sqlite:\(path)"
        case .postgres(let url):
            guard var components = URLComponents(string: url) else { return "postgres://…" }
            if components.password != nil { components.password = "…" }
            return components.string ?? "postgres://…"
        }
    }
}

/// A `--database` value that names no store we can open.
public struct DatabaseLocationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
