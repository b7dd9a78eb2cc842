import Foundation
import MicrocastCore
import MicrocastPostgres
import MicrocastStore
import TestSupport
import Testing

/// The two stores every repository test runs against: SQLite in a temporary
/// file, and a fresh database on the suite's own PostgreSQL cluster.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    func open() async throws -> any DataStore {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("microcast-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return try SQLiteStore(path: folder.appendingPathComponent("test.sqlite").path)
        case .postgres:
            return try await PostgresStore.open(url: try await PostgresCluster.shared.newDatabase(), connections: 4)
        }
    }

    /// Runs `body` with a new store of this kind, closed afterwards.
    func with<T>(_ body: (any DataStore) async throws -> T) async throws -> T {
        let store = try await open()
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}
