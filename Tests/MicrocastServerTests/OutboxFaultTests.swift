import Foundation
import Glibc
import Hummingbird
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// A change and the jobs it causes commit together (issue 26): the built
/// server, stopped dead at each moment between what used to be two writes
/// (`FaultPoint`, armed through `MICROCAST_FAULT_AT` in debug builds), then
/// started again, has lost nothing and left nothing stuck. And every way a
/// post comes in is the one way: a post made by `ingest` sends its Webmentions.
@Suite("The outbox")
struct OutboxFaultTests {
    typealias Running = Microcast.Running

    /// A page elsewhere with a Webmention endpoint that records what it is sent.
    static func article(_ router: Router<BasicRequestContext>, _ base: String, _ received: PeerServer.Received) {
        router.get("/article") { _, _ in PeerServer.html(#"<link rel="webmention" href="\#(base)/endpoint"><p>An article</p>"#) }
        router.post("/endpoint", use: PeerServer.recordingEndpoint(received))
    }

    @Test("a post made by ingest whose text links a page (Markdown, in its sidecar) sends that page a Webmention")
    func ingestSendsWebmentions() async throws {
        try await PeerServer.run(routes: Self.article) { peer in
            let data = try Fixtures.folder()
            let folder = try Fixtures.folder()
            let photo = try await Fixtures.png(in: folder, name: "view.png")
            try Data(#"{"title": "A view", "content": "Seen after reading [this article](\#(peer.base)/article)."}"#.utf8)
                .write(to: folder.appendingPathComponent("view.json"))
            let ingested = try await Microcast.run(["ingest", "--data", data.path, "--allow-private-fetch", photo.path])
            #expect(ingested.status == 0, "\(ingested.errors)")
            let sent = await peer.received.posts.filter { $0.path == "/endpoint" }
            #expect(sent.count == 1, "ingest returned once its post's Webmention had a first try")
            #expect(sent.first?.form["target"] == peer.base + "/article")
            #expect(sent.first?.form["source"]?.contains("/posts/a-view") == true, "\(sent)")
        }
    }

    /// Starts `serve` on the data folder, armed to stop dead at `fault` (nil: not armed).
    func serve(_ data: URL, logs: URL, fault: FaultPoint?, name: String) async throws -> (Running, TestSite) {
        let (port, reservation) = try reservePort()
        close(reservation)
        let server = try Running(
            ["serve", "--data", data.path, "--port", "\(port)", "--allow-private-fetch"],
            log: logs.appendingPathComponent("\(name).log"),
            environment: fault.map { ["MICROCAST_FAULT_AT": $0.rawValue] } ?? [:]
        )
        let site = TestSite(base: "http://127.0.0.1:\(port)", data: data, store: try await TestSite.openStore(data), databaseArguments: [])
        try await site.waitUntilUp()
        return (server, site)
    }

    /// Waits for the armed server to stop itself at its fault point.
    func stoppedDead(_ server: Running) async throws {
        try await Fixtures.offPool { server.process.waitUntilExit() }
        #expect(server.process.terminationStatus == 137, "stopped at its fault point: \(server.text)")
    }

    /// Waits until `condition` holds (two minutes at most).
    func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        try await Webmentions.eventually(what, timeout: .seconds(600), condition)
    }

    @Test("stopped dead after a post is saved and before its client is answered: after a restart the post is there and its Webmention is sent")
    func postSaved() async throws {
        try await PeerServer.run(routes: Self.article) { peer in
            let data = try Fixtures.folder()
            let logs = try Fixtures.folder()
            let token = try await Microcast.run(["token", "create", "--data", data.path]).output.trimmingCharacters(in: .newlines)
            let (armed, site) = try await serve(data, logs: logs, fault: .postSaved, name: "armed")
            let reply = try? await site.postForm([("h", "entry"), ("content", "Bookmarked"), ("bookmark-of", peer.base + "/article")], token: token)
            #expect(reply == nil || reply?.status != .created, "no answer reached the client")
            try await stoppedDead(armed)
            let (server, again) = try await serve(data, logs: logs, fault: nil, name: "again")
            defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
            let posts = try await again.store.allPosts(limit: 10, offset: 0)
            #expect(posts.map(\.slug) == ["bookmarked"], "the post saved before the stop is there")
            try await eventually("the post's Webmention reaches the article") {
                await peer.received.posts.contains { $0.path == "/endpoint" && $0.form["source"]?.hasSuffix("/posts/bookmarked") == true }
            }
            try await server.stop()
        }
    }

    @Test("stopped dead after an upload's row is saved and before its files have their names: after a restart it is whole, processed and served")
    func uploadRowSaved() async throws {
        let data = try Fixtures.folder()
        let logs = try Fixtures.folder()
        let token = try await Microcast.run(["token", "create", "--data", data.path]).output.trimmingCharacters(in: .newlines)
        let (armed, site) = try await serve(data, logs: logs, fault: .uploadRowSaved, name: "armed")
        let photo = try await Fixtures.sidewaysJPEGWithGPS(in: try Fixtures.folder())
        _ = try? await site.upload(photo, token: token)
        try await stoppedDead(armed)
        let (server, again) = try await serve(data, logs: logs, fault: nil, name: "again")
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let item = try #require(try await again.store.recentMedia(limit: 10, offset: 0).first)
        try await eventually("the upload is processed") { try await again.store.media(id: item.id)?.state == .ready }
        #expect(again.files(in: "originals") == [item.fileName])
        #expect(again.files(in: "uploads").isEmpty, "nothing staged is left")
        #expect(try await again.get("/media/\(item.fileName)").status == .ok)
        try await server.stop()
    }

    @Test(
        "stopped dead after a job's work and before its outcome is recorded: after a restart the job runs again (its second try, as after any crash) and its item is ready"
    )
    func jobWorkDone() async throws {
        let data = try Fixtures.folder()
        let logs = try Fixtures.folder()
        let token = try await Microcast.run(["token", "create", "--data", data.path]).output.trimmingCharacters(in: .newlines)
        let (armed, site) = try await serve(data, logs: logs, fault: .jobWorkDone, name: "armed")
        let photo = try await Fixtures.png(in: try Fixtures.folder(), name: "picture.png", size: "640x480")
        let uploaded = try await site.upload(photo, token: token)
        #expect(uploaded.status == .created)
        try await stoppedDead(armed)
        let (server, again) = try await serve(data, logs: logs, fault: nil, name: "again")
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        let item = try #require(try await again.store.recentMedia(limit: 10, offset: 0).first)
        try await eventually("the photo is processed") { try await again.store.media(id: item.id)?.state == .ready }
        let jobs = try await again.store.jobs(subject: .media(item.id))
        // The stopped try counts, as any crash does (a file that keeps killing its process is given up).
        #expect(jobs.count == 1 && jobs.first?.state == .done && jobs.first?.attempts == 2, "\(jobs)")
        let snapshot = try await again.store.snapshot()
        let rows = Set(snapshot.renditions.map(\.fileName))
        let files = Set(again.files(in: "renditions").filter { $0.hasPrefix(item.id + "-") })
        #expect(!rows.isEmpty && rows == files, "rendition files and rows agree: \(files.symmetricDifference(rows))")
        try await server.stop()
    }
}
