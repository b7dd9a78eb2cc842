import Foundation
import Glibc
import MicrocastApp
import TestSupport
import Testing

/// Media decoded in sandboxed child processes of the built binary: a file
/// that crashes its child, or exhausts its memory, is refused with a reason
/// while every other request goes on; a job whose file crashes its child
/// fails with that reason after the crash-loop limit while other jobs are
/// done; children are replaced; a child cannot open a socket.
@Suite("Media children")
struct MediaChildTests {
    @Test("a media child cannot open a socket, and enters its sandbox with one thread")
    func noNetwork() async throws {
        let check = try await Self.check([])
        #expect(check["socket"] as? Bool == false)
        #expect(check["threadsAtEntry"] as? Int == 1)
    }

    /// `media-child ARGUMENTS --check`: what its sandbox allows, as JSON.
    static func check(_ arguments: [String]) async throws -> [String: Any] {
        let outcome = try await Microcast.run(["media-child"] + arguments + ["--check"])
        #expect(outcome.status == 0, "\(outcome.errors)")
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any], "\(outcome.output)")
    }

    @Test("a file that crashes its child, and one that exhausts its memory, are refused while pages and other uploads go on")
    func crashedChildren() async throws {
        let (server, site, token) = try await Self.serve(["--media-children", "2"])
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let store = site.store

        let folder = try Fixtures.folder()
        let photo = try await Fixtures.sidewaysJPEGWithGPS(in: folder)
        func marked(_ mark: String) throws -> URL {
            let file = folder.appendingPathComponent("\(mark).jpg")
            try (try Data(contentsOf: photo) + Data(mark.utf8)).write(to: file)
            return file
        }
        let crash = try marked("MICROCAST-CRASH-THE-DECODER")
        let hog = try marked("MICROCAST-EXHAUST-MEMORY")

        // Pages and ordinary uploads, from other clients, all the while.
        let others = Task {
            var failures: [String] = []
            for index in 0..<12 {
                let page = try await site.get("/")
                if page.status != .ok { failures.append("home page: \(page.status)") }
                let copy = folder.appendingPathComponent("ordinary-\(index).jpg")
                try (try Data(contentsOf: photo) + Data("\(index)".utf8)).write(to: copy)
                let upload = try await site.upload(copy, token: token)
                if upload.status != .created { failures.append("upload \(index): \(upload.status) \(upload.text)") }
            }
            return failures
        }
        for file in [crash, hog, crash] {
            let refused = try await site.upload(file, token: token)
            #expect(refused.status == .unprocessableEntity, "\(refused.status) \(refused.text)")
            #expect((refused.json["error_description"] as? String ?? "").contains("crashed the decoder"), "\(refused.text)")
        }
        let failures = try await others.value
        #expect(failures.isEmpty, "\(failures)\n\(server.text)")

        // Nothing of the refused files was kept; the ordinary ones were.
        #expect(try await store.snapshot().media.count == 12)
        // The pool is whole again without waiting for the next upload: a child replaces each that died.
        var metrics = try await MetricsTests.scrape(site)
        let deadline = ContinuousClock.now + .seconds(60)
        while metrics.value("microcast_media_children_up") < 1 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            metrics = try await MetricsTests.scrape(site)
        }
        #expect(metrics.value("microcast_media_child_restarts_total") >= 3)
        #expect(
            metrics.value("microcast_media_children_up") >= 1,
            "\(metrics.samples.filter { $0.name.contains("child") })\n\(server.text)"
        )
        let ready = try await site.get("/ready")
        #expect(ready.status == .ok && ready.json["media"] as? String == "up", "\(ready.text)")
        #expect(server.text.contains("a media child died"))
        await store.close()
        try await server.stop()
    }

    @Test("a job whose file crashes its child fails with that reason, while a photo, an episode and a clip are processed in children")
    func crashedJob() async throws {
        let (server, site, token) = try await Self.serve(["--media-children", "1", "--workers", "2"])
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }

        let folder = try Fixtures.folder()
        let photo = try await Fixtures.sidewaysJPEGWithGPS(in: folder)
        let doomed = folder.appendingPathComponent("doomed.jpg")
        try (try Data(contentsOf: photo) + Data("MICROCAST-CRASH-THE-JOB".utf8)).write(to: doomed)
        // Inspection and the public copy pass; only its job meets the crash.
        let accepted = try await site.upload(doomed, token: token)
        #expect(accepted.status == .created, "\(accepted.status) \(accepted.text)")
        var ordinary: [URL] = [photo]
        ordinary.append(try await Fixtures.tone(in: folder, seconds: 4))
        ordinary.append(try await Fixtures.phoneVideo(in: folder))
        for file in ordinary {
            let upload = try await site.upload(file, token: token)
            #expect(upload.status == .created, "\(file.lastPathComponent): \(upload.status) \(upload.text)")
        }
        // A page answers while the jobs run.
        #expect(try await site.get("/").status == .ok)
        // Each job has a child of its own, at the lower priority, started for it.
        // Watched from a thread of its own: a job's child lives only as long as its job.
        let serverID = server.process.processIdentifier
        let jobChild = try await Fixtures.offPool { () -> String? in
            let watching = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < watching {
                if let found = Self.children(of: serverID).first(where: { $0.contains("--niceness 10") }) { return found }
                Thread.sleep(forTimeInterval: 0.005)
            }
            return nil
        }

        let states = try await site.waitForJobs()
        #expect(states.count == 4)
        let media = try await site.store.snapshot().media
        let failed = media.filter { $0.state == .failed }
        #expect(failed.count == 1 && failed.first?.originalName == "doomed.jpg", "\(media.map { ($0.originalName, $0.state) })")
        #expect(
            failed.first?.failure?.contains("the file crashed the decoder 3 times") == true,
            "\(failed.first?.failure ?? "no reason")\n\(server.text)"
        )
        // The others were made in children, and are served.
        let ready = media.filter { $0.state == .ready }
        #expect(Set(ready.map(\.kind)) == [.photo, .audio, .video], "\(media.map { ($0.kind, $0.state, $0.failure) })")
        let renditions = try await site.store.snapshot().renditions
        for item in ready {
            let made = renditions.filter { $0.mediaId == item.id }
            #expect(!made.isEmpty, "\(item.kind) has no renditions")
            for rendition in made.prefix(2) {
                let served = try await site.get("/media/r/\(rendition.fileName)")
                #expect(served.status == .ok, "\(rendition.fileName): \(served.status)")
            }
        }
        // The request path's pool is whole again; the jobs' children ended with their jobs.
        var metrics = try await MetricsTests.scrape(site)
        #expect(metrics.value("microcast_media_child_restarts_total") >= 3)
        let deadline = ContinuousClock.now + .seconds(60)
        while metrics.value("microcast_media_children_up") < 1 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            metrics = try await MetricsTests.scrape(site)
        }
        #expect(metrics.value("microcast_media_children_up") >= 1, "\(metrics.samples.filter { $0.name.contains("child") })")

        // With the very arguments its job's child had, a child reads that
        // job's original, but not another upload's, nor the database beside
        // them (where the kernel has Landlock).
        let given = Array(
            try #require(jobChild, "no job's child seen").split(separator: " ").map(String.init).drop { $0 != "media-child" }.dropFirst()
        )
        let readable = zip(given, given.dropFirst()).filter { $0.0 == "--readable" }.map(\.1)
        let own = try #require(readable.first { $0.contains("/originals/") }, "\(given)")
        let other = try #require(
            media.map { site.data.appendingPathComponent("originals/\($0.fileName)").path }.first {
                $0 != own && FileManager.default.fileExists(atPath: $0)
            }
        )
        let database = site.data.appendingPathComponent("microcast.sqlite").path
        let allowed = try await Self.check(given + ["--try-read", own, "--try-read", other, "--try-read", database])
        let reads = try #require(allowed["read"] as? [String: Bool])
        #expect(reads[own] == true, "\(allowed)")
        if (allowed["landlock"] as? Int ?? 0) > 0 {
            #expect(reads[other] == false && reads[database] == false, "\(allowed)")
        }
        await site.store.close()
        try await server.stop()
    }

    /// `serve` with the test triggers armed, and a token that may upload.
    static func serve(_ arguments: [String]) async throws -> (server: Microcast.Running, site: TestSite, token: String) {
        let data = try Fixtures.folder()
        let token = try await Microcast.run(["token", "create", "--data", data.path, "--scope", "create media"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, site) = try await Microcast.serve(
            data: data,
            arguments,
            environment: ["MICROCAST_TEST_TRIGGERS": "1"],
            log: try Fixtures.folder().appendingPathComponent("serve.log")
        )
        return (server, site, token)
    }

    /// The command lines of a process's children: each of its threads
    /// lists the children it started (`/proc/PID/task/TID/children`).
    static func children(of parent: pid_t) -> [String] {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(parent)/task")) ?? []
        let children = threads.flatMap { thread in
            ((try? String(contentsOfFile: "/proc/\(parent)/task/\(thread)/children", encoding: .utf8)) ?? "").split(separator: " ")
        }
        return children.compactMap { child -> String? in
            guard let line = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/cmdline")) else { return nil }
            return String(decoding: line.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        }
    }
}
