// The store choice, measured side by side in one run: SQLite (the embedded
// default) and PostgreSQL (a throw-away cluster started for the run).
//
// - job claims per second, empty jobs, one and two workers claiming at once;
// - what a 304 costs with POSTS posts: one content-stamp read and an ETag
//   comparison;
// - home page and feed requests per second under `wrk` from a server on each
//   store, and from nginx serving the same site's static export (the ceiling).
import Foundation
import Glibc
import Logging
import MediaModel
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import ServiceLifecycle
import TestSupport

func scaleBenchmark(posts postCount: Int, jobs jobCount: Int) async throws {
    let postgresURL = try await PostgresCluster.shared.newDatabase()
    let folder = scratchFolder("scale")
    defer { try? FileManager.default.removeItem(at: folder) }
    let stores: [(name: String, location: DatabaseLocation)] = [
        ("SQLite", .sqlite(path: folder.appendingPathComponent("bench.sqlite").path)),
        ("PostgreSQL", .postgres(url: postgresURL)),
    ]
    var rows: [(String, [String])] = []

    // Claims: a queue of empty jobs drained by one worker, then by two.
    var claims: [String: [Double]] = [:]
    for (name, location) in stores {
        let queueDatabase: DatabaseLocation
        switch location {
        case .sqlite: queueDatabase = .sqlite(path: folder.appendingPathComponent("queue.sqlite").path)
        case .postgres: queueDatabase = .postgres(url: try await PostgresCluster.shared.newDatabase())
        }
        let store = try await MicrocastServices.openStore(queueDatabase, connections: 4)
        for workers in [1, 2] {
            for _ in 0..<jobCount {
                let item = MediaItem(
                    id: MediaIdentifier.make(),
                    kind: .photo,
                    mimeType: "image/jpeg",
                    fileExtension: "jpg",
                    byteCount: 1,
                    sha256: Secrets.make(),
                    probe: MediaProbe(kind: .photo, format: "jpeg", mimeType: "image/jpeg")
                )
                try await store.add(item, processing: JobRequest(kind: .photoRenditions, subject: .media(item.id), maxAttempts: 3))
            }
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        while let job = try await store.claim(worker: "bench-\(worker)", lease: 60, now: Date(), kinds: JobKind.working(on: .media)) {
                            try await store.complete(jobId: job.id, now: Date())
                        }
                    }
                }
                try await group.waitForAll()
            }
            claims[name, default: []].append(Double(jobCount) / (ContinuousClock.now - start).seconds)
        }
        await store.close()
    }
    rows.append(("job claims per second, 1 worker", stores.map { String(format: "%.0f", claims[$0.name]![0]) }))
    rows.append(("job claims per second, 2 workers", stores.map { String(format: "%.0f", claims[$0.name]![1]) }))

    // The site: POSTS notes, on each store.
    FileHandle.standardError.write(Data("bench scale: writing \(postCount) posts to each store…\n".utf8))
    for (_, location) in stores {
        let store = try await MicrocastServices.openStore(location)
        for index in 0..<postCount {
            _ = try await store.create(
                Post(
                    slug: "note-\(index)",
                    properties: ["content": [.string("Note \(index): a paragraph of ordinary length about the day, with a link or two.")]],
                    published: Date(timeIntervalSince1970: 1_600_000_000 + Double(index) * 3600)
                ),
                mediaIds: [],
                jobs: { _ in [] }
            )
        }
        await store.close()
    }

    // 304: one content-stamp read and an ETag comparison.
    var notModified: [String] = []
    for (_, location) in stores {
        let store = try await MicrocastServices.openStore(location)
        let validators = FileValidators(etag: "\"abc\"", lastModified: Date())
        var times: [Double] = []
        for _ in 0..<200 {
            let start = ContinuousClock.now
            _ = try await store.contentStamp()
            _ = validators.isNotModified(ifNoneMatch: "\"abc\"", ifModifiedSince: nil)
            times.append((ContinuousClock.now - start).seconds * 1000)
        }
        notModified.append(String(format: "%.3f ms", median(times)))
        await store.close()
    }
    rows.append(("304 answer with \(postCount) posts (median of 200)", notModified))

    // wrk against a server on each store, then nginx on the export.
    var throughput: [String: [String]] = [:]
    var exported: URL?
    for (index, (_, location)) in stores.enumerated() {
        let data = folder.appendingPathComponent("data-\(index)")
        let port = 19_100 + index
        var configuration = ServerConfiguration(
            dataDirectory: data,
            port: port,
            baseURL: "http://127.0.0.1:19100",
            presets: try Presets.load(from: repository.appendingPathComponent("Presets")),
            workerThreads: 0,
            logLevel: .error
        )
        configuration.services.database = location
        let services = try await MicrocastServices.start(configuration.services, logger: Logger(label: "bench"))
        if exported == nil {
            let output = folder.appendingPathComponent("export")
            _ = try await SiteExport.write(services, to: output)
            exported = output
        }
        let app = try await buildApplication(configuration, services: services)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "bench")))
        let running = Task { try await group.run() }
        for _ in 0..<100 where (try? curl(["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)/health"])) == nil { usleep(50_000) }
        for path in ["/", "/feed.xml"] {
            throughput[path, default: []].append(wrk("http://127.0.0.1:\(port)\(path)"))
        }
        await group.triggerGracefulShutdown()
        _ = await running.result
    }
    let nginx = try await NginxUnderTest(root: exported!, port: 19_150)
    defer { nginx.stop() }
    for (path, file) in [("/", "/"), ("/feed.xml", "/feed.xml")] {
        throughput[path, default: []].append(wrk("http://127.0.0.1:19150\(file)"))
    }
    rows.append(("home page, requests per second (wrk, 2 threads, 16 connections, 5 s)", throughput["/"]!))
    rows.append(("feed.xml, requests per second", throughput["/feed.xml"]!))

    print("| \(postCount) posts, this machine | SQLite | PostgreSQL | nginx on the export |")
    print("| --- | --- | --- | --- |")
    for (label, values) in rows {
        print("| \(label) | " + (values + Array(repeating: "", count: max(0, 3 - values.count))).joined(separator: " | ") + " |")
    }
}

/// Requests per second from `wrk`, as it prints them.
func wrk(_ url: String) -> String {
    let output = String(decoding: runTool("wrk", ["-t2", "-c16", "-d5s", url]), as: UTF8.self)
    let line = output.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") } ?? "Requests/sec: ?"
    let errors = output.split(separator: "\n").first { $0.contains("Non-2xx") }
    return String(line.split(separator: " ").last ?? "?") + (errors.map { " (\($0.trimmingCharacters(in: .whitespaces)))" } ?? "")
}

/// nginx from Debian serving a folder, with a configuration of its own in a temporary folder.
struct NginxUnderTest {
    let folder: URL
    let pidFile: URL

    /// `gzipStatic`: answers `Accept-Encoding: gzip` with the `.gz` file beside the one asked for, when there is one.
    init(root: URL, port: Int, gzipStatic: Bool = false) async throws {
        folder = scratchFolder("nginx")
        pidFile = folder.appendingPathComponent("nginx.pid")
        let configuration = """
            worker_processes 2;
            pid \(pidFile.path);
            error_log \(folder.path)/error.log;
            events { worker_connections 256; }
            http {
                include /etc/nginx/mime.types;
                access_log off;
                client_body_temp_path \(folder.path)/body;
                proxy_temp_path \(folder.path)/proxy;
                fastcgi_temp_path \(folder.path)/fastcgi;
                uwsgi_temp_path \(folder.path)/uwsgi;
                scgi_temp_path \(folder.path)/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    root \(root.path);
                    index index.html;
                    etag on;
                    \(gzipStatic ? "gzip_static on;" : "")
                }
            }
            """
        let file = folder.appendingPathComponent("nginx.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        // nginx forks its daemon and exits; started with no descriptor of
        // ours open, so nothing here waits on one the daemon keeps.
        try await Spawn.run(["/usr/sbin/nginx", "-c", file.path, "-p", folder.path], log: folder)
        usleep(200_000)
    }

    func stop() {
        if let text = try? String(contentsOf: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGQUIT)
        }
        try? FileManager.default.removeItem(at: folder)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
