import Foundation
import GRDB
import MicrocastCore

#if canImport(Glibc)
import Glibc
#endif

extension SQLiteStore {
    /// Writes a consistent copy of the whole database to `destination` while
    /// other connections, in this process or others, go on reading and
    /// writing. `VACUUM INTO` reads one snapshot (WAL included) and writes a
    /// compact file from it; writers are never blocked. The copy is made under
    /// a temporary name beside `destination`, created owner-only (it holds the
    /// passphrase's and tokens' hashes), checked with `integrity_check`, and
    /// only then renamed into place, so a file at `destination` is always a
    /// whole backup — an earlier one is replaced only by a sound new one.
    public func backup(to destination: URL) async throws -> BackupSummary {
        let folder = destination.deletingLastPathComponent()
        let partial = folder.appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString.prefix(8))")
        let descriptor = open(partial.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError("cannot create \(partial.path): \(String(cString: strerror(errno)))")
        }
        Glibc.close(descriptor)
        do {
            // VACUUM refuses to run inside a transaction, and GRDB's `read`
            // opens one; VACUUM INTO takes its own read snapshot.
            try await pool.unsafeRead { db in
                try db.execute(sql: "VACUUM INTO ?", arguments: [partial.path])
            }
            let copy = try DatabaseQueue(path: partial.path, configuration: Self.readOnly)
            let (verdict, tables) = try await copy.read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "",
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
                )
            }
            try copy.close()
            guard verdict == "ok" else {
                throw StoreError("the copy failed SQLite's integrity check: \(verdict)")
            }
            guard rename(partial.path, destination.path) == 0 else {
                throw StoreError("cannot rename the copy to \(destination.path): \(String(cString: strerror(errno)))")
            }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: destination.path)[.size] as? Int) ?? 0
            return BackupSummary(bytes: bytes, tables: tables)
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }

    private static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }
}
