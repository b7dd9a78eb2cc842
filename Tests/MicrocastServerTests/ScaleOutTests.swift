import Foundation
import Glibc
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// Microcast grown past one process: a PostgreSQL store, `serve --workers 0`
/// answering requests, and `worker` processes sharing the data folder, all
/// run as the built binary.
/// The tests that run a site as several processes: one at a time, so
/// their workers' leases are not outrun by each other's load on two cores.
@Suite("Sites of several processes", .serialized)
enum SeveralProcesses {}

extension SeveralProcesses {
    @Suite("Several processes on PostgreSQL")
    struct ScaleOutTests {
        /// A CLI process whose standard error is kept in a file for a failure's report.
        @Test(
            "serve --workers 0 and two workers on one data folder: every upload processed once by one of them, a killed worker's episode finished by the other"
        )
        func twoWorkers() async throws {
            let url = try await PostgresCluster.shared.newDatabase()
            let data = try Fixtures.folder()
            let logs = try Fixtures.folder()
            let site = ["--data", data.path, "--database", url]
            let token = try await Microcast.run(["token", "create"] + site).output.trimmingCharacters(in: .whitespacesAndNewlines)

            let (port, reservation) = try reservePort()
            close(reservation)
            let server = try Microcast.Running(
                ["serve"] + site + ["--port", "\(port)", "--workers", "0"],
                log: logs.appendingPathComponent("serve.log")
            )
            let store = try await MicrocastServices.openStore(.postgres(url: url), connections: 2)
            let web = TestSite(base: "http://127.0.0.1:\(port)", data: data, store: store, databaseArguments: ["--database", url])
            try await web.waitUntilUp()
            let workers = try (0..<2).map { index in
                try Microcast.Running(
                    ["worker"] + site + ["--threads", "2", "--lease", "6"],
                    log: logs.appendingPathComponent("worker-\(index).log")
                )
            }
            var report: String { "serve:\n\(server.text)\n" + workers.map(\.text).joined(separator: "\n---\n") }
            defer {
                for process in [server.process] + workers.map(\.process) where process.isRunning { kill(process.processIdentifier, SIGKILL) }
                Task { await store.close() }
            }

            /// The process whose thread holds (or held) a job: workers are named `worker-HOST-PID-THREAD`.
            func pid(of job: Job) -> Int32? {
                job.worker?.split(separator: "-").dropLast().last.flatMap { Int32($0) }
            }
            // Media jobs: each post also queues its Webmention sending, which is not what this test counts.
            func jobs() async throws -> [Job] { try await store.snapshot().jobs.map(\.job).filter { JobKind.working(on: .media).contains($0.kind) } }
            func waitFor(_ what: String, timeout: Duration = .seconds(240), _ condition: ([Job]) -> Bool) async throws -> [Job] {
                let deadline = ContinuousClock.now + timeout
                while true {
                    let now = try await jobs()
                    if condition(now) { return now }
                    // Checked once more after the deadline: a busy machine may wake us late.
                    guard ContinuousClock.now < deadline else { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                throw Fixtures.CommandFailed(description: "timed out waiting for \(what)\n\(report)")
            }

            // Twenty photos, until each worker has done some of them.
            let folder = try Fixtures.folder()
            let photo = try await Fixtures.sidewaysJPEGWithGPS(in: folder)
            let bytes = try Data(contentsOf: photo)
            for index in 0..<20 {
                // Each photo different, so none is taken for a copy of another.
                let copy = folder.appendingPathComponent("photo-\(index).jpg")
                try (bytes + Data("\(index)".utf8)).write(to: copy)
                let media = try web.created(try await web.upload(copy, token: token))
                _ = try web.created(try await web.postForm([("h", "entry"), ("photo", media), ("content", "Photo \(index)")], token: token))
            }
            let workerPids = Set(workers.map(\.process.processIdentifier))
            _ = try await waitFor("both workers to finish a job") { jobs in
                Set(jobs.filter { $0.state == .done }.compactMap(pid)) == workerPids
            }

            // Four episodes; the worker running the first one is killed outright.
            var episodes: [String] = []
            for index in 0..<4 {
                let audio = try web.created(
                    try await web.upload(try await Fixtures.speech(in: folder, name: "episode-\(index).wav", seconds: 60), token: token)
                )
                episodes.append(
                    try web.created(
                        try await web.postForm(
                            [("h", "entry"), ("name", "Episode \(index + 1)"), ("audio", audio), ("episode", "\(index + 1)")],
                            token: token
                        )
                    )
                )
            }
            let running = try await waitFor("an episode to start") { jobs in
                jobs.contains { $0.kind == .audioEpisode && $0.state == .running }
            }
            let victim = try #require(running.first { $0.kind == .audioEpisode && $0.state == .running })
            let killed = try #require(pid(of: victim))
            kill(killed, SIGKILL)

            let finished = try await waitFor("every job to end") { jobs in
                jobs.count == 24 && jobs.allSatisfy { $0.state == .done || $0.state == .failed }
            }
            #expect(finished.allSatisfy { $0.state == .done }, "\(finished.filter { $0.state != .done })\n\(report)")
            let taken = try #require(finished.first { $0.id == victim.id })
            #expect(taken.attempts == 2 && pid(of: taken) != killed && pid(of: taken).map(workerPids.contains) == true)
            #expect(Set(finished.compactMap(pid)) == workerPids, "both workers did work")

            // Exactly once: one job per file, one rendition per role, and every
            // rendition row has its file and every file its row (nothing a
            // killed attempt left behind).
            let snapshot = try await store.snapshot()
            #expect(snapshot.media.count == 24 && snapshot.media.allSatisfy { $0.state == .ready })
            #expect(Set(snapshot.jobs.map(\.job).filter { JobKind.working(on: .media).contains($0.kind) }.map(\.subject)).count == 24)
            for item in snapshot.media {
                // A photo has one JPEG per width, an episode one file per encoding.
                let made = snapshot.renditions.filter { $0.mediaId == item.id }.map { "\($0.role) \($0.width)" }
                #expect(!made.isEmpty && Set(made).count == made.count, "\(item.id): \(made)")
            }
            let rows = Set(snapshot.renditions.map(\.fileName))
            let renditions = data.appendingPathComponent("renditions")
            let files = Set(try FileManager.default.contentsOfDirectory(atPath: renditions.path))
            let mediaIds = Set(snapshot.media.map(\.id))
            let mediaFiles = files.filter { name in
                let stem = name.hasPrefix(".") ? name.dropFirst() : Substring(name)
                return mediaIds.contains(String(stem.prefix(20)))
            }
            #expect(rows.isSubset(of: files), "rows without files: \(rows.subtracting(files))")
            #expect(mediaFiles == rows, "files without rows: \(mediaFiles.subtracting(rows))")
            #expect(try await store.integrityCheck() == "ok")

            // The killed worker's episode is published like the others.
            let feed = try await web.get("/podcast.xml").text
            for index in 1...4 { #expect(feed.contains("<title>Episode \(index)</title>"), "episode \(index) missing from the feed") }
            #expect(feed.components(separatedBy: "<enclosure ").count == 5)

            for worker in workers where worker.process.isRunning { try await worker.stop() }
            try await server.stop()
        }
    }

}

@Suite("Moving a site to PostgreSQL")
struct StoreCopyTests {
    @Test("store copy from a populated SQLite site: serve on PostgreSQL gives the same pages and feeds, byte for byte")
    func copyThenServe() async throws {
        let data = try Fixtures.folder()
        let (port, reservation) = try reservePort()
        close(reservation)
        let base = "http://127.0.0.1:\(port)"
        func samePort(_ configuration: inout ServerConfiguration) {
            configuration.port = port
            configuration.services.baseURL = base
        }
        var paths = ["/", "/feed.xml", "/feed.json", "/podcast.xml", "/podcast.json", "/podcast", "/photos", "/tags/talk", "/sitemap.xml"]
        var before: [String: TestSite.Reply] = [:]
        try await TestSite.run(data: data, configure: samePort) { site in
            let token = try await site.token("create update delete media")
            let folder = try Fixtures.folder()
            let photo = try site.created(try await site.upload(try await Fixtures.sidewaysJPEGWithGPS(in: folder), token: token))
            let audio = try site.created(try await site.upload(try await Fixtures.speech(in: folder, seconds: 8), token: token))
            for fields in [
                [("h", "entry"), ("content", "A note"), ("category", "talk")],
                [("h", "entry"), ("content", "A photo"), ("photo", photo), ("mp-photo-alt", "A test card")],
                [("h", "entry"), ("name", "Episode 1"), ("audio", audio), ("category", "talk"), ("episode", "1")],
            ] {
                paths.append(URL(string: try site.created(try await site.postForm(fields, token: token)))!.path)
            }
            #expect(try await site.waitForJobs() == [.done, .done])
            for path in paths { before[path] = try await site.get(path) }
        }

        let url = try await PostgresCluster.shared.newDatabase()
        let copied = try await Microcast.run([
            "store", "copy", "--from", "sqlite:" + data.appendingPathComponent("microcast.sqlite").path, "--to", url,
        ])
        #expect(copied.status == 0, "\(copied.errors)")
        #expect(copied.errors.contains("every table matches"))
        // A second copy into the same, now populated, database is refused.
        let again = try await Microcast.run([
            "store", "copy", "--from", "sqlite:" + data.appendingPathComponent("microcast.sqlite").path, "--to", url,
        ])
        #expect(again.status != 0 && again.errors.contains("not empty"), "\(again.errors)")

        func onPostgres(_ configuration: inout ServerConfiguration) {
            samePort(&configuration)
            configuration.services.database = .postgres(url: url)
        }
        try await TestSite.run(data: data, configure: onPostgres) { site in
            for path in paths {
                let after = try await site.get(path)
                let earlier = try #require(before[path])
                #expect(after.status == earlier.status, "\(path)")
                #expect(after.body == earlier.body, "\(path) differs after the copy")
            }
        }
    }
}
