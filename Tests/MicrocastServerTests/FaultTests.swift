import AsyncHTTPClient
import Foundation
import Glibc
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import NIOCore
import TestSupport
import Testing

/// What happens when the machine fails the service: the server killed
/// outright mid-batch, the disk filling, two processes writing to one SQLite
/// file at once. Each runs the built binary or a real server on loopback.
@Suite("Faults")
struct FaultTests {
    typealias Running = Microcast.Running

    /// Waits until no media job is queued or running (two minutes at most).
    static func waitForMediaJobs(_ store: any DataStore, log: Running) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            let jobs = try await store.snapshot().jobs.map(\.job).filter { JobKind.working(on: .media).contains($0.kind) }
            if jobs.allSatisfy({ $0.state == .done || $0.state == .failed }) { return }
            // Checked once more after the deadline: a busy machine may wake us late.
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Fixtures.CommandFailed(description: "media jobs did not finish\n\(log.text)")
    }

    @Test(
        "the server killed with SIGKILL at random moments of a batch of mixed uploads, ten times: every acknowledged upload is kept and processed, the database is intact, no file is orphaned"
    )
    func killedTenTimes() async throws {
        let data = try Fixtures.folder()
        let logs = try Fixtures.folder()
        let site = ["--data", data.path]
        let token = try await Microcast.run(["token", "create"] + site).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let store = try await TestSite.openStore(data)
        defer { Task { await store.close() } }

        // A photo, an episode and a clip; each upload a different file, so
        // none is taken for a copy of an earlier one.
        let folder = try Fixtures.folder()
        let originals = [
            try await Fixtures.sidewaysJPEGWithGPS(in: folder),
            try await Fixtures.tone(in: folder, name: "tone.wav", seconds: 4),
            try await Fixtures.silentVideo(in: folder),
        ]
        var sources: [(bytes: Data, name: String)] = []
        for original in originals { sources.append((try Data(contentsOf: original), original.lastPathComponent)) }
        var serial = 0
        func nextFile() async throws -> URL {
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
            // What the last kill interrupted is finished first: each job is
            // then stopped under at most one kill, as a real outage would do,
            // and never reaches the attempts after which a job that keeps
            // killing its process is given up (SecurityTests' crash loop).
            try await Self.waitForMediaJobs(store, log: server)
            var files: [URL] = []
            for _ in 0..<6 { files.append(try await nextFile()) }
            // The kill comes once the round has one acknowledged upload (a
            // condition, not a time, so a busy machine still reaches it), a
            // moment later chosen at random; one upload is always caught
            // half-sent, and jobs from earlier rounds are running.
            let firstAcknowledged = AsyncStream<Void>.makeStream()
            let created = try await withThrowingTaskGroup(of: String?.self) { uploads in
                for (index, file) in files.enumerated() {
                    let start = Duration.milliseconds(Int.random(in: 0...400, using: &random))
                    uploads.addTask {
                        try await Task.sleep(for: start)
                        guard index > 0 else {
                            _ = try? await TestSite.uploadHalfThenWait(file, to: web.base, token: token)
                            return nil
                        }
                        guard let reply = try? await web.upload(file, token: token), reply.status == .created else { return nil }
                        firstAcknowledged.continuation.yield()
                        // A path: the next round's server listens on another port.
                        return reply.headers.first(name: "Location").flatMap { URL(string: $0)?.path }
                    }
                }
                var signals = firstAcknowledged.stream.makeAsyncIterator()
                await signals.next()
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...400, using: &random)))
                kill(server.process.processIdentifier, SIGKILL)
                firstAcknowledged.continuation.finish()
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

    /// A small file system of its own (tmpfs) for a data folder, to fill up.
    struct SmallDisk {
        let folder: URL
        let filler: URL

        init(megabytes: Int) async throws {
            folder = try Fixtures.folder().appendingPathComponent("disk", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // Root mounts it; anyone else needs sudo without a password (the set-up script runs as root).
            let mount = ["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", folder.path]
            _ = try await Fixtures.runOffPool(getuid() == 0 ? mount[0] : "sudo", getuid() == 0 ? Array(mount.dropFirst()) : ["-n"] + mount)
            filler = folder.appendingPathComponent("filler")
        }

        var available: Int64 {
            var stats = statvfs()
            statvfs(folder.path, &stats)
            return Int64(stats.f_bavail) * Int64(stats.f_frsize)
        }

        /// Fills the disk until `free` bytes are left.
        func fill(leaving free: Int64) throws {
            let size = max(0, available - free)
            let handle = try FileHandle(
                forWritingTo: {
                    FileManager.default.createFile(atPath: filler.path, contents: nil)
                    return filler
                }()
            )
            defer { try? handle.close() }
            let block = Data(count: 1 << 20)
            var written: Int64 = 0
            while written < size {
                let chunk = block.prefix(Int(min(Int64(block.count), size - written)))
                try handle.write(contentsOf: chunk)
                written += Int64(chunk.count)
            }
        }

        func makeRoom() async throws { try FileManager.default.removeItem(at: filler) }

        /// Called from `defer`, so it waits where it is (a lazy unmount returns at once).
        func unmount() {
            let umount = ["umount", "-l", folder.path]
            _ = try? Fixtures.run(getuid() == 0 ? umount[0] : "sudo", getuid() == 0 ? Array(umount.dropFirst()) : ["-n"] + umount)
        }
    }

    @Test(
        "the disk filling during an upload: 507 with a reason, nothing half-written left, the site still answers, and the upload goes through once there is room"
    )
    func diskFullDuringUpload() async throws {
        let disk = try await SmallDisk(megabytes: 24)
        defer { disk.unmount() }
        let episode = try await Fixtures.speech(in: try Fixtures.folder(), name: "long.wav", seconds: 70)
        try await TestSite.run(data: disk.folder) { site in
            let token = try await site.token("create media")
            try disk.fill(leaving: 1 << 20)
            let refused = try await site.upload(episode, token: token)
            #expect(refused.status.code == 507, "\(refused.status) \(refused.text)")
            #expect(refused.json["error"] as? String == "insufficient_storage")
            let reason = refused.json["error_description"] as? String ?? ""
            #expect(reason.contains("disk is full"), "\(refused.text)")
            #expect(site.files(in: "uploads").isEmpty, "left in uploads: \(site.files(in: "uploads"))")
            #expect(site.files(in: "originals").isEmpty)
            #expect(try await site.get("/").status == .ok)

            try await disk.makeRoom()
            let accepted = try await site.upload(episode, token: token)
            #expect(accepted.status == .created, "\(accepted.status) \(accepted.text)")
        }
    }

    @Test(
        "the disk filling while an episode's files are written: the job waits and is tried again, nothing half-written is served, and it finishes once there is room"
    )
    func diskFullDuringProcessing() async throws {
        let disk = try await SmallDisk(megabytes: 32)
        defer { disk.unmount() }
        let episode = try await Fixtures.speech(in: try Fixtures.folder(), name: "episode.wav", seconds: 60)
        let episodeBytes = Int64(try Data(contentsOf: episode).count)
        try await TestSite.run(data: disk.folder) { site in
            let token = try await site.token("create media")
            // Room for the upload itself, and for the database, but not for the episode's encodings.
            try disk.fill(leaving: episodeBytes + (300 << 10))
            let media = try site.created(try await site.upload(episode, token: token))
            let post = try site.created(try await site.postForm([("h", "entry"), ("name", "Full disk"), ("audio", media)], token: token))

            // The job meets the full disk and goes back to the queue, its attempt not used up.
            // Long enough for a busy machine: the encoder must first fill the disk.
            var waiting: Job?
            let deadline = ContinuousClock.now + .seconds(240)
            while waiting == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                let jobs = try await site.store.snapshot().jobs.map(\.job)
                waiting = jobs.first { job in
                    job.kind == .audioEpisode && job.state == .queued && (job.lastError ?? "").contains("disk space")
                }
            }
            #expect(waiting != nil, "the episode's job was not put back to wait for room")
            let item = try #require(try await site.store.snapshot().media.first)
            #expect(item.state == .processing)
            // Nothing half-written: no file of the episode's in the renditions folder, none in its page.
            #expect(site.files(in: "renditions").filter { $0.contains(item.id) || $0.hasPrefix(".") }.isEmpty, "\(site.files(in: "renditions"))")
            #expect(try await site.get(URL(string: post)!.path).status == .ok)
            #expect(!(try await site.get("/podcast.xml").text.contains("<enclosure")))

            try await disk.makeRoom()
            let states = try await site.waitForJobs()
            #expect(states.allSatisfy { $0 == .done }, "\(states)")
            let ready = try #require(try await site.store.snapshot().media.first)
            #expect(ready.state == .ready)
            #expect(try await site.get("/podcast.xml").text.contains("<enclosure"))
        }
    }

    @Test(
        "serve and watch writing to one SQLite file as hard as they can for twenty seconds: no post lost, no \"database is locked\" reaching anyone"
    )
    func concurrentWriters() async throws {
        try await TestSite.run { site in
            let token = try await site.token("create media")
            let drop = try Fixtures.folder().appendingPathComponent("Drop", isDirectory: true)
            try FileManager.default.createDirectory(at: drop, withIntermediateDirectories: true)
            let scratch = try Fixtures.folder()
            let photo = try Data(contentsOf: try await Fixtures.sidewaysJPEGWithGPS(in: scratch))
            let watch = try Running(
                ["watch", "--data", site.data.path, "--base-url", site.base, "--settle", "0.3", drop.path],
                log: scratch.appendingPathComponent("watch.log")
            )
            defer { if watch.process.isRunning { kill(watch.process.processIdentifier, SIGKILL) } }

            // Long enough for every writer to meet every other hundreds of
            // times; each second more is a second of two cores the suite waits for.
            let end = ContinuousClock.now + .seconds(20)
            // Four Micropub clients posting notes back to back, and a folder
            // sync dropping a photo every 500 ms, all at once.
            async let dropped: Int = {
                var count = 0
                while ContinuousClock.now < end {
                    count += 1
                    // Written beside the folder and moved in whole, as sync clients do.
                    let staged = scratch.appendingPathComponent("photo-\(count).jpg")
                    try (photo + Data("\(count)".utf8)).write(to: staged)
                    try FileManager.default.moveItem(at: staged, to: drop.appendingPathComponent("photo-\(count).jpg"))
                    try await Task.sleep(for: .milliseconds(500))
                }
                return count
            }()
            let replies = try await withThrowingTaskGroup(of: [(Int, String)].self) { clients in
                for client in 0..<4 {
                    clients.addTask {
                        var replies: [(Int, String)] = []
                        var serial = 0
                        while ContinuousClock.now < end {
                            serial += 1
                            let json = #"{"type": ["h-entry"], "properties": {"content": ["Note \#(client)-\#(serial)"]}}"#
                            let reply = try await site.postJSON(json, token: token)
                            replies.append(
                                (Int(reply.status.code), reply.status == .created ? (reply.headers.first(name: "Location") ?? "") : reply.text)
                            )
                        }
                        return replies
                    }
                }
                return try await clients.reduce(into: []) { $0 += $1 }
            }
            let photos = try await dropped

            let refused = replies.filter { $0.0 != 201 }
            #expect(refused.isEmpty, "\(refused.count) of \(replies.count) notes refused: \(refused.prefix(3))")

            // The watcher takes every photo; nothing fails. (Processing 40 photos
            // on a machine busy with other tests can take minutes: the bound is generous.)
            let deadline = ContinuousClock.now + .seconds(600)
            func waiting() -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: drop.path)) ?? []).filter { $0.hasSuffix(".jpg") }
            }
            while !waiting().isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
            #expect(waiting().isEmpty, "not taken: \(waiting().count)\n\(watch.text)")
            let failed = (try? FileManager.default.contentsOfDirectory(atPath: drop.appendingPathComponent("failed").path)) ?? []
            #expect(failed.isEmpty, "\(failed.prefix(4))\n\(watch.text)")
            #expect(!watch.text.contains("locked"), "\(watch.text)")

            // Every note and every photo is a post.
            let posts = try await site.store.snapshot().posts.map(\.post)
            let notes = Set(posts.compactMap { $0.properties["content"]?.first?.stringValue }.filter { $0.hasPrefix("Note ") })
            #expect(notes.count == replies.count, "\(replies.count) notes acknowledged, \(notes.count) stored")
            #expect(posts.count == replies.count + photos, "\(posts.count) posts for \(replies.count) notes and \(photos) photos")
            try await watch.stop()
        }
    }
}
