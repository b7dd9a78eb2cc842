import Foundation
import Glibc
import MicrocastApp
import MicrocastCore
import Synchronization
import TestSupport
import Testing

/// `microcast store backup` against a site that keeps writing, and the backup
/// restored into a site that works: run as the operator runs them, with the
/// built binary.
@Suite("Backups while serving")
struct BackupTests {
    /// Posts made by the load, in the order their 201s arrived.
    final class Posted: Sendable {
        private let urls = Mutex<[String]>([])
        private let stopped = Mutex(false)
        func add(_ url: String) { urls.withLock { $0.append(url) } }
        var all: [String] { urls.withLock { $0 } }
        func stop() { stopped.withLock { $0 = true } }
        var isStopped: Bool { stopped.withLock { $0 } }
    }

    @Test("a backup taken while four clients post holds every post made before it began, and restores into a working site")
    func backupUnderWriteLoad() async throws {
        let data = try Fixtures.folder()
        let logs = try Fixtures.folder()
        let token = try await Microcast.run(["token", "create", "--data", data.path, "--scope", "create media"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, web) = try await Microcast.serve(data: data, log: logs.appendingPathComponent("serve.log"))
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let store = web.store

        // A photo before the load: its files must come back with the backup.
        let folder = try Fixtures.folder()
        let photo = try web.created(try await web.upload(try await Fixtures.sidewaysJPEGWithGPS(in: folder), token: token))
        let photoPost = try web.created(try await web.postForm([("h", "entry"), ("photo", photo), ("content", "Before")], token: token))
        _ = try await web.waitForJobs()

        // Four clients post notes until told to stop.
        let posted = Posted()
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<4 {
                    group.addTask {
                        var index = 0
                        while !posted.isStopped {
                            let reply = try await web.postForm([("h", "entry"), ("content", "Note \(client)-\(index)")], token: token)
                            guard reply.status == .created, let location = reply.headers.first(name: "Location") else {
                                throw Fixtures.CommandFailed(description: "a post under load answered \(reply.status): \(reply.text)")
                            }
                            posted.add(location)
                            index += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // A bound on the wait, so a load that failed ends the test with its reason.
        func waitForPosts(_ count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(180)
            while posted.all.count < count {
                guard ContinuousClock.now < deadline else {
                    posted.stop()
                    try await load.value
                    throw Fixtures.CommandFailed(description: "the load made \(posted.all.count) posts, not \(count)\n\(server.text)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try await waitForPosts(40)

        let backup = try Fixtures.folder().appendingPathComponent("site.sqlite")
        let before = posted.all
        let backedUp = try await Microcast.run(["store", "backup", backup.path, "--data", data.path])
        let afterwards = posted.all.count
        try await waitForPosts(afterwards + 20)
        posted.stop()
        try await load.value
        #expect(backedUp.status == 0, "\(backedUp.errors)")
        #expect(backedUp.errors.contains("integrity ok"), "\(backedUp.errors)")

        // Owner-only, like the database it copies.
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: backup.path)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0, "mode \(String(mode, radix: 8))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: backup.deletingLastPathComponent().path) == ["site.sqlite"])

        // The operator's restore, as docs/operating.md gives it: the database
        // from the backup, then the media folder copied after it.
        try await Fixtures.offPool {
            server.process.terminate()
            server.process.waitUntilExit()
        }
        let restored = try Fixtures.folder()
        for entry in try FileManager.default.contentsOfDirectory(atPath: data.path) where !entry.hasPrefix("microcast.sqlite") {
            try FileManager.default.copyItem(at: data.appendingPathComponent(entry), to: restored.appendingPathComponent(entry))
        }
        try FileManager.default.copyItem(at: backup, to: restored.appendingPathComponent("microcast.sqlite"))

        let (newPort, newReservation) = try reservePort()
        close(newReservation)
        let second = try Microcast.Running(
            ["serve", "--data", restored.path, "--port", "\(newPort)", "--base-url", web.base],
            log: logs.appendingPathComponent("restored.log")
        )
        defer { if second.process.isRunning { kill(second.process.processIdentifier, SIGKILL) } }
        let restoredStore = try await MicrocastServices.openStore(.embedded(in: restored), connections: 1)
        let site = TestSite(base: "http://127.0.0.1:\(newPort)", data: restored, store: restoredStore, databaseArguments: [])
        try await site.waitUntilUp()
        #expect(try await restoredStore.integrityCheck() == "ok")

        // Every post whose 201 came before the backup began is there; none
        // made after it ended; the rest (made during it) either way.
        let kept = try await restoredStore.snapshot().posts.count
        #expect(kept >= before.count + 1 && kept <= afterwards + 1, "kept \(kept), before \(before.count), after \(afterwards)")
        let local = { (url: String) in url.replacingOccurrences(of: web.base, with: "") }
        for url in before {
            let page = try await site.get(local(url))
            #expect(page.status == .ok, "\(url): \(page.status)")
        }
        let photoPage = try await site.get(local(photoPost))
        #expect(photoPage.status == .ok && photoPage.text.contains("Before"))
        #expect(try await site.get(local(photo)).status == .ok)
        #expect(try await site.get("/feed.xml").status == .ok)

        // The restored site takes new posts.
        let newPost = try site.created(try await site.postForm([("h", "entry"), ("content", "After the restore")], token: token))
        #expect(try await site.get(local(newPost)).text.contains("After the restore"))
        await restoredStore.close()
        await store.close()
        try await second.stop()

        // PostgreSQL is backed up with its own tool.
        let postgres = try await Microcast.run(["store", "backup", backup.path, "--database", "postgres://u:p@127.0.0.1:1/db"])
        #expect(postgres.status != 0 && postgres.errors.contains("pg_dump"), "\(postgres.errors)")
    }
}
