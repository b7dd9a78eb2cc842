import Foundation
import Glibc
import MicrocastApp
import TestSupport
import Testing

/// Uploads inspected in sandboxed child processes of the built binary: a file
/// that crashes its child, or exhausts its memory, is refused with a reason
/// while every other request goes on; the child is replaced; a child cannot
/// open a socket.
@Suite("Media children")
struct MediaChildTests {
    @Test("a media child cannot open a socket")
    func noNetwork() async throws {
        let check = try await Microcast.run(["media-child", "--check"])
        #expect(check.status == 0, "\(check.errors)")
        #expect(check.output.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"socket": false}"#)
    }

    @Test("a file that crashes its child, and one that exhausts its memory, are refused while pages and other uploads go on")
    func crashedChildren() async throws {
        let data = try Fixtures.folder()
        let logs = try Fixtures.folder()
        let token = try await Microcast.run(["token", "create", "--data", data.path, "--scope", "create media"]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (port, reservation) = try reservePort()
        close(reservation)
        let server = try Microcast.Running(
            ["serve", "--data", data.path, "--port", "\(port)", "--media-children", "2"],
            log: logs.appendingPathComponent("serve.log"),
            environment: ["MICROCAST_TEST_TRIGGERS": "1"]
        )
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let store = try await MicrocastServices.openStore(.embedded(in: data), connections: 1)
        let site = TestSite(base: "http://127.0.0.1:\(port)", data: data, store: store, databaseArguments: [])
        try await site.waitUntilUp()

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
}
