import AsyncHTTPClient
import Foundation
import Glibc
import MicrocastCore
import MicrocastServer
import TestSupport
import Testing

/// What happens when the machine fails the service: the server killed
/// outright mid-batch, the disk filling, two processes writing to one SQLite
/// file at once. Each runs the built binary or a real server on loopback.
@Suite("Faults")
struct FaultTests {
    typealias Running = ScaleOutTests.Running

    /// The data folder's SQLite store, opened by the test beside the server.
    static func openStore(_ data: URL) async throws -> any DataStore {
        try await MicrocastServices.openStore(.sqlite(path: data.appendingPathComponent("microcast.sqlite").path), connections: 2)
    }

    @Test(
        "the server killed with SIGKILL at random moments of a batch of mixed uploads, ten times: every acknowledged upload is kept and processed, the database is intact, no file is orphaned"
    )
    func killedTenTimes() async throws {
        let data = try Fixtures.folder()
        let logs = try Fixtures.folder()
        let site = ["--data", data.path]
        let token = try CLITests().run(["token", "create"] + site).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let store = try await Self.openStore(data)
        defer { Task { await store.close() } }

        // A photo, an episode and a clip; each upload a different file, so
        // none is taken for a copy of an earlier one.
        let folder = try Fixtures.folder()
        let originals = [
            try Fixtures.sidewaysJPEGWithGPS(in: folder),
            try Fixtures.tone(in: folder, name: "tone.wav", seconds: 4),
            try Fixtures.silentVideo(in: folder),
        ]
        var sources: [(bytes: Data, name: String)] = []
        for original in originals { sources.append((try Data(contentsOf: original), original.lastPathComponent)) }
        var serial = 0
        func nextFile() throws -> URL {
            serial += 1
            let source = sources[serial % sources.count]
            let file = folder.appendingPathComponent("\(serial)-\(source.name)")
            try (source.bytes + Data("\(serial)".utf8)).write(to: file)
            return file
        }

        var acknowledged: [String] = []
        var attempted = 0
        var random = SystemRandomNumberGenerator()
        for round in 1...10 {
            let (port, reservation) = try reservePort()
            close(reservation)
            let server = try Running(
                ["serve"] + site + ["--port", "\(port)"],
                log: logs.appendingPathComponent("serve-\(round).log")
            )
            let web = TestSite(base: "http://127.0.0.1:\(port)", data: data, store: store, databaseArguments: [])
            try await web.waitUntilUp()
            let files = try (0..<6).map { _ in try nextFile() }
            // Uploads in flight, and jobs from earlier rounds running, when the kill comes.
            let killAfter = Duration.milliseconds(Int.random(in: 50...900, using: &random))
            let created = try await withThrowingTaskGroup(of: String?.self) { uploads in
                for file in files {
                    // Staggered, so the kill finds some sent, some half-sent, some not begun.
                    let start = Duration.milliseconds(Int.random(in: 0...700, using: &random))
                    uploads.addTask {
                        try await Task.sleep(for: start)
                        guard let reply = try? await web.upload(file, token: token), reply.status == .created else { return nil }
                        // A path: the next round's server listens on another port.
                        return reply.headers.first(name: "Location").flatMap { URL(string: $0)?.path }
                    }
                }
                try await Task.sleep(for: killAfter)
                kill(server.process.processIdentifier, SIGKILL)
                var created: [String] = []
                for try await location in uploads { if let location { created.append(location) } }
                return created
            }
            try await Fixtures.offPool { server.process.waitUntilExit() }
            #expect(server.process.terminationReason == .uncaughtSignal)
            acknowledged += created
            attempted += files.count
        }
        // Both kinds of moment were reached: uploads answered, and uploads cut off.
        #expect(!acknowledged.isEmpty && acknowledged.count < attempted, "\(acknowledged.count) of \(attempted) acknowledged")

        // Started once more, the server finishes what was acknowledged.
        let (port, reservation) = try reservePort()
        close(reservation)
        let server = try Running(["serve"] + site + ["--port", "\(port)"], log: logs.appendingPathComponent("serve-final.log"))
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let web = TestSite(base: "http://127.0.0.1:\(port)", data: data, store: store, databaseArguments: [])
        try await web.waitUntilUp()
        var snapshot = try await store.snapshot()
        let deadline = ContinuousClock.now + .seconds(240)
        while snapshot.media.contains(where: { $0.state == .processing })
            || snapshot.jobs.contains(where: { $0.job.state == .queued || $0.job.state == .running })
        {
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(200))
            snapshot = try await store.snapshot()
        }

        let media = Dictionary(uniqueKeysWithValues: snapshot.media.map { ($0.id, $0) })
        for location in acknowledged {
            let item = media.values.first { location.contains($0.id) }
            #expect(item?.state == .ready, "\(location) acknowledged but \(item.map { "\($0.state)" } ?? "gone")\n\(server.text)")
            #expect(try await web.get(location).status == .ok, "\(location) does not answer")
        }
        #expect(
            snapshot.media.allSatisfy { $0.state == .ready },
            "\(snapshot.media.filter { $0.state != .ready }.map { "\($0.id) \($0.state) \($0.failure ?? "")" })"
        )

        #expect(try await store.integrityCheck() == "ok")

        // Every file has its row and every row its file; nothing half-received is left.
        let manager = FileManager.default
        func names(_ folder: String) -> Set<String> {
            Set((try? manager.contentsOfDirectory(atPath: data.appendingPathComponent(folder).path)) ?? [])
        }
        #expect(names("originals") == Set(snapshot.media.map(\.fileName)), "originals without rows, or rows without originals")
        #expect(names("uploads").isEmpty, "left in uploads: \(names("uploads"))")
        let renditionRows = Set(snapshot.renditions.map(\.fileName))
        let renditionFiles = names("renditions").filter { name in
            snapshot.media.contains { name.hasPrefix("\($0.id)-") || name.hasPrefix(".\($0.id)-") }
        }
        #expect(
            renditionFiles == renditionRows,
            "rendition files without rows: \(renditionFiles.subtracting(renditionRows)); rows without files: \(renditionRows.subtracting(renditionFiles))"
        )
        #expect(names("public").allSatisfy { !$0.hasPrefix(".") }, "temporaries left in public: \(names("public"))")
    }
}
