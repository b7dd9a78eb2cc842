import Foundation
import Logging
import MediaModel
import MicrocastCore
import PostgresNIO

/// The store on PostgreSQL, for a site that outgrows one machine: the web
/// server and any number of `microcast worker` processes share it. Every
/// repository it implements lives in a file of its own beside this one;
/// queries bind their values (never spliced into SQL).
public final class PostgresStore: DataStore, Sendable {
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>
    private let listening: Task<Void, Never>
    let wakeUps = JobWakeUps()

    /// The channel a new or retried job is announced on (by a trigger, in its transaction).
    static let jobsChannel = "microcast_jobs"

    /// Connects (a pool of at most `connections`), brings the schema up to date
    /// and starts listening for queued jobs.
    public static func open(
        url: String,
        connections: Int = 8,
        logger: Logger = Logger(label: "microcast.postgres")
    ) async throws
        -> PostgresStore
    {
        let location = try PostgresURL(url)
        do {
            try await location.check(logger: logger)
        } catch {
            throw readable(error)
        }
        let store = PostgresStore(configuration: location.client(connections: connections), logger: logger)
        do {
            try await Schema.migrate(store.client, logger: logger)
            try await store.indexUnindexedPosts()
        } catch {
            await store.close()
            throw readable(error)
        }
        return store
    }

    private init(configuration: PostgresClient.Configuration, logger: Logger) {
        // The pool's own log: errors only. Its warning that a connection was
        // asked for before `run()` started is noise here (`run()` starts in
        // the line below, and waiting requests are served once it has).
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        self.client = client
        self.logger = logger
        running = Task { await client.run() }
        let wakeUps = self.wakeUps
        listening = Task {
            // One connection listens for as long as the store is open; if it
            // drops, it listens again (the timeout of each wait covers the gap).
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.jobsChannel) { notifications in
                            wakeUps.wakeAll()
                            for try await _ in notifications { wakeUps.wakeAll() }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("listening for queued jobs stopped; listening again", metadata: ["error": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    public func close() async {
        listening.cancel()
        _ = await listening.value
        running.cancel()
        _ = await running.value
    }

    /// Rows with foreign keys that lead nowhere; PostgreSQL enforces them, so
    /// this reads `ok` unless the schema itself was changed by hand.
    public func integrityCheck() async throws -> String {
        let orphans = try await rows(
            """
            SELECT (SELECT count(*) FROM renditions r WHERE NOT EXISTS (SELECT 1 FROM media m WHERE m.id = r.media_id))
                 + (SELECT count(*) FROM post_media p WHERE NOT EXISTS (SELECT 1 FROM media m WHERE m.id = p.media_id))
                 + (SELECT count(*) FROM jobs j WHERE j.kind = ANY(\(JobKind.working(on: .media).map(\.rawValue)))
                      AND j.state IN (\(Job.State.queued), \(Job.State.running)) AND NOT EXISTS (SELECT 1 FROM media m WHERE m.id = j.subject)) AS orphans
            """
        )
        let count = try orphans.first.map { try $0["orphans"].decode(Int64.self) } ?? 0
        return count == 0 ? "ok" : "\(count) rows point at missing media"
    }

    public func waitForWork(upTo timeout: Duration) async {
        await wakeUps.wait(upTo: timeout)
    }
}

// MARK: Queries

extension PostgresStore {
    /// Runs `query` and reads every row.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        do {
            return try await Self.rows(query, on: client, logger: logger)
        } catch {
            throw Self.readable(error)
        }
    }

    func execute(_ query: PostgresQuery) async throws {
        do {
            try await client.query(query, logger: logger)
        } catch {
            throw Self.readable(error)
        }
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    func transaction<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        do {
            return try await client.withTransaction(logger: logger, isolation: isolation, body)
        } catch let error as PostgresTransactionError {
            // The caller's own error (a refused copy, a missing post) comes back as itself.
            if let closureError = error.closureError { throw Self.readable(closureError) }
            throw Self.readable(error.beginError ?? error.commitError ?? error.rollbackError ?? error)
        } catch {
            throw Self.readable(error)
        }
    }

    /// PostgresNIO's errors describe themselves generically (so a query's text
    /// cannot leak into a log by accident); the server's own message, or the
    /// connection failure, is what an operator needs to read.
    static func readable(_ error: Error) -> Error {
        guard let error = error as? PSQLError else { return error }
        if let message = error.serverInfo?[.message] {
            let code = error.serverInfo?[.sqlState]
            let state = code.map { " (SQLSTATE \($0))" } ?? ""
            // 53100: disk_full, the server's own word for it.
            return StoreError("PostgreSQL: \(message)\(state)", reason: code == "53100" ? .outOfSpace : .failed)
        }
        if let underlying = error.underlying { return StoreError("PostgreSQL: \(error.code): \(underlying)") }
        return StoreError("PostgreSQL: \(error.code)")
    }

    static func rows(_ query: PostgresQuery, on client: PostgresClient, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await client.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }
}

extension PostgresConnection {
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await self.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }

    func execute(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger)
    }
}

extension PostgresRandomAccessRow {
    /// The named column, decoded.
    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}

/// A vocabulary type stored as its raw value, as text. (These types are also
/// Swift `Codable`, which PostgresNIO would otherwise store as JSON.) A value
/// this version does not know fails the read instead of being guessed.
public protocol StoredAsText: PostgresCodable, RawRepresentable where RawValue == String {}

extension StoredAsText {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<Encoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<Encoder>) {
        buffer.writeString(rawValue)
    }

    public init<Decoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer,
        type: PostgresDataType,
        format: PostgresFormat,
        context: PostgresDecodingContext<Decoder>
    ) throws {
        guard let value = Self(rawValue: try String(from: &buffer, type: type, format: format, context: context)) else {
            throw PostgresDecodingError.Code.failure
        }
        self = value
    }
}

extension Post.Status: StoredAsText {}
extension PostKind: StoredAsText {}
extension MediaKind: StoredAsText {}
extension MediaItem.State: StoredAsText {}
extension JobKind: StoredAsText {}
extension Job.State: StoredAsText {}
extension AccessToken.Kind: StoredAsText {}
extension Mention.State: StoredAsText {}
extension MentionKind: StoredAsText {}
extension SentMention.Outcome: StoredAsText {}
extension SyndicationCopy.State: StoredAsText {}

/// The JSON coder of every JSON column: keys sorted, so the bytes are stable.
enum StoreJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
