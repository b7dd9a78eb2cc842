import AsyncHTTPClient
import Foundation
import Glibc
import Logging
import MediaKit
import MediaModel
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import MicrocastStore
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TestSupport
import Testing

/// A real Microcast server on a free loopback port, with its own data folder,
/// for the length of one test.
struct TestSite {
    let base: String
    let data: URL
    /// The server's store, opened a second time for the test to look into.
    let store: any DataStore
    /// Where that store is, for the CLI: `["--database", URL]` on PostgreSQL, nothing for the embedded SQLite.
    let databaseArguments: [String]

    /// The stores a server test can run on.
    enum Database: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    static let presets: Presets = try! Presets.load(from: Repository.presets)

    /// Like a Micropub client's HTTP stack, minus redirects: tests look at each answer.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow)
    )

    /// `workerThreads: 0` runs no media jobs, to look at the site while its uploads wait;
    /// `data` reopens the data folder of an earlier run.
    static func run(
        database: Database = .sqlite,
        limits: MediaLimits = MediaLimits(),
        workerThreads: Int = 2,
        data existing: URL? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        body: (TestSite) async throws -> Void
    ) async throws {
        // Swift Testing starts every test at once; on two cores thirty servers
        // transcoding together time each other out. A few run at a time.
        guard !isInsideSite else {
            return try await serve(database: database, limits: limits, workerThreads: workerThreads, data: existing, configure: configure, body)
        }
        await slots.acquire()
        defer { Task { await slots.release() } }
        try await $isInsideSite.withValue(true) {
            try await serve(database: database, limits: limits, workerThreads: workerThreads, data: existing, configure: configure, body)
        }
    }

    /// Servers running at once in this test process.
    static let slots = Slots(limit: 3)
    @TaskLocal static var isInsideSite = false

    actor Slots {
        let limit: Int
        private var running = 0
        private var waiting: [CheckedContinuation<Void, Never>] = []

        init(limit: Int) { self.limit = limit }

        func acquire() async {
            if running < limit {
                running += 1
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        func release() {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
    }

    private static func serve(
        database: Database,
        limits: MediaLimits,
        workerThreads: Int,
        data existing: URL?,
        configure: (inout ServerConfiguration) -> Void,
        _ body: (TestSite) async throws -> Void
    ) async throws {
        let data = try existing ?? Fixtures.folder()
        let (port, reservation) = try reservePort()
        var configuration = ServerConfiguration(
            dataDirectory: data,
            host: "127.0.0.1",
            port: port,
            presets: presets,
            limits: limits,
            workerThreads: workerThreads,
            logLevel: .warning,
            jobPollInterval: .milliseconds(250)
        )
        // Whisper on every test's recordings would cost the suite minutes: the transcript tests turn it on.
        configuration.services.transcriber = Transcriber(model: .off)
        var databaseArguments: [String] = []
        if database == .postgres {
            let url = try await PostgresCluster.shared.newDatabase()
            configuration.services.database = .postgres(url: url)
            configuration.services.databaseConnections = 4
            databaseArguments = ["--database", url]
        }
        configure(&configuration)

        let app = try await buildApplication(configuration)
        let store = try await MicrocastServices.openStore(configuration.services.database, connections: 2)
        defer { Task { await store.close() } }
        let site = TestSite(base: configuration.baseURL, data: data, store: store, databaseArguments: databaseArguments)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            // The server's tasks run on threads of their own, never waiting behind a test's blocking work.
            tasks.addTask(executorPreference: DedicatedExecutor.servers) { try await group.run() }
            do {
                try await site.waitUntilUp()
                close(reservation)
            } catch {
                close(reservation)
                throw error
            }
            do {
                try await body(site)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// The data folder's SQLite store, opened by the test beside the server.
    static func openStore(_ data: URL) async throws -> any DataStore {
        try await MicrocastServices.openStore(.sqlite(path: data.appendingPathComponent("microcast.sqlite").path), connections: 2)
    }

    /// Sends the first half of an upload and then nothing more, until the
    /// connection dies under it: the upload the kill always cuts off.
    static func uploadHalfThenWait(_ file: URL, to base: String, token: String) async throws -> HTTPClientResponse {
        var multipart = MultipartBody()
        try multipart.add(file: file, field: "file")
        let body = multipart.data
        var request = HTTPClientRequest(url: base + "/micropub/media")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: multipart.contentType)
        let half = body.prefix(body.count / 2)
        let parts = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(ByteBuffer(bytes: half))
            // Never finished: the rest never comes.
        }
        request.body = .stream(parts, length: .known(Int64(body.count)))
        return try await TestSite.client.execute(request, timeout: .seconds(600))
    }

    func waitUntilUp() async throws {
        for _ in 0..<200 {
            if (try? await get("/health").status) == .ok { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw Fixtures.CommandFailed(description: "the server did not start")
    }

    func token(_ scope: String) async throws -> String {
        let token = Secrets.make()
        try await store.addToken(AccessToken(hash: Secrets.hash(token), scope: ScopeSet(scope)))
        return token
    }

    struct Reply {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    func request(
        _ pathOrURL: String,
        method: HTTPMethod = .GET,
        headers: [(String, String)] = [],
        body: Data? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: pathOrURL.hasPrefix("http") ? pathOrURL : base + pathOrURL)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        // The deadline turns a hung request into a failure; it does not time
        // the server. One minute was not always enough for an upload's
        // inspection on two cores also running two media workers and two
        // busy loops, so it is three.
        let response = try await Self.client.execute(request, timeout: .seconds(180))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: response.status, headers: response.headers, body: Data(buffer: bytes))
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> Reply {
        try await request(path, headers: headers)
    }

    /// Uploads `file` to the media endpoint as a multipart part named `field`.
    func upload(_ file: URL?, field: String = "file", token: String?, fileName: String? = nil) async throws -> Reply {
        var body = MultipartBody()
        if let file { try body.add(file: file, field: field, fileName: fileName) }
        body.add(field: "note", value: "hello")
        var headers = [("Content-Type", body.contentType)]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return try await request("/micropub/media", method: .POST, headers: headers, body: body.data)
    }

    func postForm(_ fields: [(String, String)], token: String) async throws -> Reply {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return try await request(
            "/micropub",
            method: .POST,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Bearer \(token)")],
            body: Data(body.utf8)
        )
    }

    func postJSON(_ json: String, token: String) async throws -> Reply {
        try await request(
            "/micropub",
            method: .POST,
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
            body: Data(json.utf8)
        )
    }

    /// Files under a data sub-folder, hidden temporaries included.
    func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent(folder).path)) ?? []).sorted()
    }

    /// Waits for every queued job to end, and returns the final states of the media jobs
    /// (a post's Webmention sending is a job too, and is waited for, not returned).
    func waitForJobs(timeout: Duration = .seconds(600)) async throws -> [Job.State] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let jobs = try await store.snapshot().jobs.map(\.job)
            if jobs.allSatisfy({ $0.state == .done || $0.state == .failed }) {
                return jobs.filter { JobKind.working(on: .media).contains($0.kind) }.map(\.state)
            }
            // Checked once more after the deadline: a busy machine may wake us late.
            guard ContinuousClock.now < deadline else { break }
            // A snapshot reads every table: asked a few times a second, not in a spin.
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Fixtures.CommandFailed(description: "jobs did not finish in time")
    }
}

/// A loopback port held for the caller: bound (not listening) with
/// SO_REUSEADDR, so the kernel hands it to nobody else (another test, or
/// another test process) while the server, which binds with SO_REUSEADDR
/// too, takes it. Close the descriptor once the server listens.
func reservePort(address host: String = "127.0.0.1") throws -> (port: Int, descriptor: Int32) {
    let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var yes: Int32 = 1
    setsockopt(socketFD, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr(host)
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(socketFD, pointer, length) == 0 && getsockname(socketFD, pointer, &length) == 0
        }
    }
    guard bound else {
        close(socketFD)
        throw Fixtures.CommandFailed(description: "no free port")
    }
    return (Int(UInt16(bigEndian: address.sin_port)), socketFD)
}
