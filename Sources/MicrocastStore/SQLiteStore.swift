import Foundation
import GRDB
import MediaModel
import MicrocastCore

#if canImport(Glibc)
import Glibc
#endif

/// The embedded store: one SQLite file in WAL mode, shared by the server, the
/// worker pool and the CLI (several readers, one writer at a time). Each
/// repository it implements lives in a file of its own beside this one.
public final class SQLiteStore: DataStore, Sendable {
    let pool: DatabasePool
    /// Workers in this process, woken when this process queues a job. (Other
    /// processes on the same file find it at their next poll: SQLite has no
    /// notifications between processes.)
    let wakeUps = JobWakeUps()
    /// The content stamp, read at most every few milliseconds under load.
    let stamps = ContentStampCache()

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        var configuration = Configuration()
        // The CLI and a running server may write at the same moment; on a busy
        // machine a writer may wait its turn for seconds rather than fail.
        configuration.busyMode = .timeout(30)
        try Self.ownerOnly(path)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Migrations.migrator.migrate(pool)
        stamps.watch(pool)
    }

    /// The database holds the passphrase's and tokens' hashes: it is created
    /// readable by its owner only (0600), and SQLite gives its `-wal` and
    /// `-shm` files the database's own mode. Files made by an older version
    /// are tightened the same way.
    static func ownerOnly(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            Glibc.close(descriptor)
            return
        }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            _ = chmod(file, 0o600)
        }
    }

    /// `PRAGMA integrity_check`'s answer: `ok` for a sound file.
    public func integrityCheck() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }
}

// Vocabulary types are stored by their raw values; a value this version does
// not know fails the read instead of being guessed.
extension Post.Status: DatabaseValueConvertible {}
extension PostKind: DatabaseValueConvertible {}
extension MediaKind: DatabaseValueConvertible {}
extension MediaItem.State: DatabaseValueConvertible {}
extension JobKind: DatabaseValueConvertible {}
extension Job.State: DatabaseValueConvertible {}
extension AccessToken.Kind: DatabaseValueConvertible {}
extension Mention.State: DatabaseValueConvertible {}
extension MentionKind: DatabaseValueConvertible {}
extension SentMention.Outcome: DatabaseValueConvertible {}

extension ScopeSet: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }
    public static func fromDatabaseValue(_ value: DatabaseValue) -> ScopeSet? {
        String.fromDatabaseValue(value).map(ScopeSet.init)
    }
}

/// The JSON coders of every JSON column: keys sorted (stable bytes), and the
/// probe in snake_case as `microcast probe` prints it.
enum StoreJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension SQLiteStore {
    /// Whether SQLite failed because the disk holding the database is full.
    public func isOutOfSpace(_ error: any Error) -> Bool {
        (error as? DatabaseError)?.resultCode == .SQLITE_FULL || (error as? StoreError)?.reason == .outOfSpace
    }
}
