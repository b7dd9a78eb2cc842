import Foundation
import Glibc

/// A throw-away PostgreSQL cluster for the tests of one process: made with
/// Debian's `initdb` in a temporary folder (as the `postgres` user when run
/// as root, since PostgreSQL refuses root), listening on a free loopback
/// port, stopped and removed when the process exits. Each test takes a fresh
/// database of its own from it. No system service is involved.
public actor PostgresCluster {
    public static let shared = PostgresCluster()

    /// Started once, however many tests ask at the same moment.
    private var starting: Task<(folder: URL, port: Int), Error>?
    private var databases = 0

    /// A new, empty database's URL (`postgres://microcast@127.0.0.1:PORT/NAME`).
    public func newDatabase() async throws -> String {
        let cluster = try await start()
        databases += 1
        let name = "test_\(getpid())_\(databases)"
        try await Spawn.run([Self.binary("createdb"), "-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", Self.user, name], log: cluster.folder)
        return "postgres://\(Self.user)@127.0.0.1:\(cluster.port)/\(name)?sslmode=disable"
    }

    /// The CA that signed the cluster's certificate (for 127.0.0.1 and
    /// localhost), and a CA that did not: for tests of `sslmode`.
    public func certificateAuthorities() async throws -> (signer: URL, stranger: URL) {
        let folder = try await start().folder
        return (folder.appendingPathComponent("ca.pem"), folder.appendingPathComponent("other-ca.pem"))
    }

    /// The cluster's superuser (trusted on loopback, no password).
    static let user = "microcast"

    private func start() async throws -> (folder: URL, port: Int) {
        if let starting { return try await starting.value }
        let task = Task { try await Self.startCluster() }
        starting = task
        return try await task.value
    }

    private static func startCluster() async throws -> (folder: URL, port: Int) {
        let folder = URL(fileURLWithPath: "/tmp/microcast-pg-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let asPostgres = getuid() == 0
        if asPostgres { try Fixtures.run("chown", ["postgres:postgres", folder.path]) }
        func command(_ tool: String, _ arguments: [String]) async throws {
            let argv = [Self.binary(tool)] + arguments
            try await Spawn.run(asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + argv : argv, log: folder)
        }
        let data = folder.appendingPathComponent("data").path
        try await command("initdb", ["-D", data, "-A", "trust", "-U", Self.user, "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        guard let port = try Spawn.freePorts(1).first else { throw Fixtures.CommandFailed(description: "no free port for PostgreSQL") }
        try makeCertificates(in: folder, owner: asPostgres ? "postgres:postgres" : nil)
        // Durability is not what these tests check: no fsync keeps them quick.
        // TLS is offered (tests of sslmode); the other tests connect without it.
        // 127.0.0.2 is an address the certificate does not name.
        let options =
            "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1,127.0.0.2 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
            + " -c ssl=on -c ssl_cert_file=\(folder.path)/server.pem -c ssl_key_file=\(folder.path)/server.key"
        try await command("pg_ctl", ["-D", data, "-o", options, "-l", folder.appendingPathComponent("log").path, "-w", "-t", "60", "start"])
        Self.registerStop(data: data, folder: folder)
        return (folder, port)
    }

    /// A CA, a server certificate it signs for 127.0.0.1 and localhost, and an
    /// unrelated CA, made with the `openssl` command.
    private static func makeCertificates(in folder: URL, owner: String?) throws {
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        for ca in ["ca", "other-ca"] {
            _ = try Fixtures.run(
                "openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Microcast test \(ca)", "-keyout", path("\(ca).key"),
                    "-out", path("\(ca).pem"),
                ]
            )
        }
        _ = try Fixtures.run(
            "openssl",
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", path("server.key"), "-out", path("server.csr")]
        )
        try Data("subjectAltName=IP:127.0.0.1,DNS:localhost\n".utf8).write(to: folder.appendingPathComponent("san.ext"))
        _ = try Fixtures.run(
            "openssl",
            [
                "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial", "-days", "2",
                "-extfile", path("san.ext"), "-out", path("server.pem"),
            ]
        )
        chmod(path("server.key"), 0o600)
        if let owner { _ = try Fixtures.run("chown", [owner, path("server.key"), path("server.pem")]) }
    }

    /// Debian installs the server's programs per major version, off the PATH.
    static func binary(_ name: String) -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        guard let newest = versions.last else { return name }
        return "\(root)/\(newest)/bin/\(name)"
    }

    /// At exit the postmaster gets SIGQUIT (PostgreSQL's immediate shutdown)
    /// and the folder is removed.
    private static func registerStop(data: String, folder: URL) {
        toStop.withLock { $0 = (data, folder.path) }
        atexit {
            guard let (data, folder) = PostgresCluster.toStop.withLock({ $0 }) else { return }
            if let pidText = try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8),
                let pid = pidText.split(separator: "\n").first.flatMap({ Int32($0) })
            {
                kill(pid, SIGQUIT)
                for _ in 0..<50 where kill(pid, 0) == 0 { usleep(100_000) }
            }
            // The postmaster's children may still be finishing when it is gone.
            for _ in 0..<20 {
                try? FileManager.default.removeItem(atPath: folder)
                if !FileManager.default.fileExists(atPath: folder) { break }
                usleep(100_000)
            }
        }
    }

    nonisolated static let toStop = LockedValue<(String, String)?>(nil)
}

/// A value behind a lock, readable from an `atexit` handler.
public final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    public init(_ value: Value) { self.value = value }
    public func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
