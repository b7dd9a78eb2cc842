import Foundation
import Glibc
import MediaModel
import MicrocastCore
import MicrocastHTTP
import MicrocastStore
import TestSupport
import Testing

/// Attacks from issue 13, each performed against a real server or the real binary.
@Suite("Security")
struct SecurityTests {
    @Test("a conditional request whose date is not ASCII is answered in full, and the server stays up (a fuzzer's find)")
    func nonASCIIConditionalDate() async throws {
        let bytes: [UInt8] = [0x46, 0x72, 0x69, 0xD6, 0xBB, 0x2C, 0xDF, 0xCB, 0x20, 0x9A] + Array("026 10:00:00".utf8)
        let found = String(decoding: bytes, as: UTF8.self)
        try await TestSite.run { site in
            let home = try await site.get("/", headers: [("If-Modified-Since", found)])
            #expect(home.status == .ok)
            let feed = try await site.get("/feed.xml", headers: [("If-Modified-Since", found), ("If-Range", found), ("Range", "bytes=0-1")])
            #expect(feed.status == .ok)
            let health = try await site.get("/health")
            #expect(health.status == .ok)
        }
    }

    @Test(
        "a multipart body with a non-ASCII part header name, or an empty boundary, is refused with 400 and the server stays up (the multipart harness's find: MultipartKit traps on both)"
    )
    func multipartParserTraps() async throws {
        try await TestSite.run { site in
            let token = try await site.token("create media")
            // The fuzzer's input, as sent: the first part's header name has bytes above 0x7F.
            let body =
                Data("--b\r\nCon".utf8) + Data([0x90, 0x9A, 0x91, 0x8B])
                + Data("-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nxx\r\n--b--\r\n".utf8)
            for path in ["/micropub/media", "/micropub"] {
                let reply = try await site.request(
                    path,
                    method: .POST,
                    headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "multipart/form-data; boundary=b")],
                    body: body
                )
                #expect(reply.status == .badRequest, "\(path): \(reply.status) \(reply.text)")
                #expect(reply.json["error"] as? String == "invalid_request")
                let empty = try await site.request(
                    path,
                    method: .POST,
                    headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "multipart/form-data; boundary=\"\"")],
                    body: Data("--\r\n\r\n".utf8)
                )
                #expect([400, 415].contains(Int(empty.status.code)), "\(path): \(empty.status) \(empty.text)")
            }
            // A UTF-8 file name (a header value) is still fine.
            let photo = try await Fixtures.png(in: try Fixtures.folder(), name: "café.png")
            #expect(try await site.upload(photo, token: token, fileName: "café.png").status == .created)
            #expect(try await site.get("/health").status == .ok)
        }
    }

    @Test("categories that try to climb out: export writes nothing outside its output folder, and still writes the rest")
    func exportStaysInside() async throws {
        try await TestSite.run { site in
            let token = try await site.token("create")
            let hostile = [
                "../../../../tmp/x.html", "..", ".", "%2e%2e", "..%2f..%2fescape.html", "/etc/evil.html", "nul\u{0}byte",
                String(repeating: "long", count: 100), "．．", "..∕..∕look-alike.html", "a/../../../b.html", "tea",
            ]
            let fields = [("h", "entry"), ("content", "Hostile tags")] + hostile.map { ("category[]", $0) }
            _ = try site.created(try await site.postForm(fields, token: token))

            // OUT sits three folders down in a fresh folder, so anything climbing out lands in `root`.
            let root = try Fixtures.folder()
            let output = root.appendingPathComponent("a/b/site")
            let exported = try await Microcast.run(["export", "--data", site.data.path, "--base-url", "https://example.org", output.path])
            #expect(exported.status == 0, "\(exported.errors)")
            #expect(exported.errors.contains("left out /tags/%2E%2E"))

            let inside = output.standardizedFileURL.path + "/"
            var outside: [String] = []
            let walk = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey])
            while let url = walk?.nextObject() as? URL {
                let isFolder = (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) ?? false
                if !isFolder && !url.standardizedFileURL.path.hasPrefix(inside) { outside.append(url.path) }
            }
            #expect(outside == [], "written outside the export")
            #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("tmp/x.html").path))
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("tags/tea/index.html").path))
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("index.html").path))
        }
    }
    @Test("a file whose job kills the server every time fails after its attempts, across restarts, with the reason")
    func crashLoop() async throws {
        let data = try Fixtures.folder()
        let long = try Fixtures.folder().appendingPathComponent("long.wav")
        try await Fixtures.runOffPool(
            "ffmpeg",
            ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100", "-t", "300", "-ac", "1", long.path]
        )
        let token = try await Microcast.run(["token", "create", "--data", data.path]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let store = try SQLiteStore(path: data.appendingPathComponent("microcast.sqlite").path)

        func start() async throws -> (Process, String) {
            let (port, reservation) = try reservePort()
            defer { close(reservation) }
            let server = Process()
            server.executableURL = Microcast.binary
            server.arguments = ["serve", "--data", data.path, "--port", "\(port)", "--workers", "1"]
            server.environment = Microcast.environment()
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            try server.run()
            let base = "http://127.0.0.1:\(port)"
            _ = try await Fixtures.runOffPool(
                "curl",
                ["-sf", "--retry", "50", "--retry-connrefused", "--retry-delay", "0", "--retry-max-time", "30", base + "/health"]
            )
            return (server, base)
        }
        func waitForJob(_ done: @escaping (MicrocastCore.Job) -> Bool) async throws -> MicrocastCore.Job {
            // A condition, not a count of tries: a busy machine runs the job late.
            let deadline = ContinuousClock.now + .seconds(300)
            while ContinuousClock.now < deadline {
                if let job = try await store.job(id: 1), done(job) { return job }
                try await Task.sleep(for: .milliseconds(50))
            }
            if let job = try await store.job(id: 1), done(job) { return job }
            throw Fixtures.CommandFailed(description: "the job did not reach the state waited for")
        }

        // Five times: the job starts, and the process dies under it (as a crashing decoder would kill it).
        for attempt in 1...5 {
            let (server, base) = try await start()
            if attempt == 1 {
                _ = try await Fixtures.runOffPool(
                    "curl",
                    ["-sf", "-H", "Authorization: Bearer \(token)", "-F", "file=@\(long.path)", base + "/micropub/media"]
                )
            }
            _ = try await waitForJob { $0.state == .running && $0.attempts == attempt }
            kill(server.processIdentifier, SIGKILL)
            try await Fixtures.offPool { server.waitUntilExit() }
        }
        // The sixth start gives up on it instead of crashing again.
        let (server, base) = try await start()
        defer { server.terminate() }
        let failed = try await waitForJob { $0.state == .failed }
        #expect(failed.attempts == 5)
        #expect(failed.lastError == "the worker stopped while processing this file 5 times")
        let listed = try await Fixtures.runOffPool("curl", ["-sf", "-H", "Authorization: Bearer \(token)", base + "/micropub/media?q=last"])
        let described = try JSONSerialization.jsonObject(with: listed) as? [String: Any]
        #expect(described?["state"] as? String == "failed")
        #expect(described?["error"] as? String == "the worker stopped while processing this file 5 times")
        try await Task.sleep(for: .seconds(1))
        #expect(try await store.job(id: 1)?.attempts == 5, "claimed again")
    }

    @Test("/media answers are never sniffed and run sandboxed; q=source needs a token that may write posts")
    func mediaHeadersAndSourceScope() async throws {
        try await TestSite.run { site in
            let upload = try await site.upload(try await Fixtures.png(in: try Fixtures.folder()), token: try await site.token("media"))
            let location = try #require(upload.headers.first(name: "Location"))
            _ = try await site.waitForJobs()
            let rendition = try #require(site.files(in: "renditions").first { !$0.hasPrefix(".") })
            for url in [location, site.base + "/media/r/" + rendition] {
                let served = try await site.get(url)
                #expect(served.status == .ok)
                #expect(served.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(url)")
                #expect(served.headers.first(name: "Content-Security-Policy") == "sandbox", "\(url)")
            }

            let writer = try await site.token("create")
            _ = try site.created(try await site.postForm([("h", "entry"), ("content", "A secret draft"), ("post-status", "draft")], token: writer))
            let mediaOnly = try await site.get("/micropub?q=source", headers: [("Authorization", "Bearer \(try await site.token("media"))")])
            #expect(mediaOnly.status == .forbidden)
            #expect(mediaOnly.json["error"] as? String == "insufficient_scope")
            #expect(!mediaOnly.text.contains("A secret draft"))
            let allowed = try await site.get("/micropub?q=source", headers: [("Authorization", "Bearer \(writer)")])
            #expect(allowed.status == .ok && allowed.text.contains("A secret draft"))
            // q=config stays open to any valid token: clients read it first.
            #expect(try await site.get("/micropub?q=config", headers: [("Authorization", "Bearer \(try await site.token("media"))")]).status == .ok)
        }
    }
    @Test("an unauthenticated 200 MB upload is refused at its first file part, before it reaches the disk; a body token must come first")
    func unauthenticatedUpload() async throws {
        try await TestSite.run { site in
            let folder = try Fixtures.folder()
            let big = folder.appendingPathComponent("big.jpg")
            FileManager.default.createFile(atPath: big.path, contents: Data([0xFF, 0xD8, 0xFF]))
            let handle = try FileHandle(forWritingTo: big)
            try handle.truncate(atOffset: 200 << 20)
            try handle.close()

            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            curl.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-F", "file=@\(big.path)", site.base + "/micropub/media"]
            let output = Pipe()
            curl.standardOutput = output
            try curl.run()
            // The largest the server's upload folder got while the body was being sent.
            var largest: Int64 = 0
            let uploads = site.data.appendingPathComponent("uploads")
            while curl.isRunning {
                for name in site.files(in: "uploads") {
                    let size =
                        (try? FileManager.default.attributesOfItem(atPath: uploads.appendingPathComponent(name).path)[.size] as? NSNumber)?.int64Value
                        ?? 0
                    largest = max(largest, size)
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            let status = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(status == "401")
            #expect(largest == 0, "an unauthenticated body reached the disk: \(largest) bytes")

            let token = try await site.token("media")
            let photo = try await Fixtures.png(in: folder)
            func send(_ parts: [String]) async throws -> String {
                String(
                    decoding: try await Fixtures.runOffPool(
                        "curl",
                        ["-s", "-o", "/dev/null", "-w", "%{http_code}"] + parts.flatMap { ["-F", $0] } + [site.base + "/micropub/media"]
                    ),
                    as: UTF8.self
                )
            }
            #expect(try await send(["access_token=\(token)", "file=@\(photo.path)"]) == "201")
            #expect(try await send(["file=@\(photo.path)", "access_token=\(token)"]) == "401", "the token must come before the file")
        }
    }

    @Test("a 1 MB part header and a body of 300 parts are refused at once with 400; the site stays responsive")
    func multipartLimits() async throws {
        try await TestSite.run { site in
            func post(_ body: String, boundary: String) async throws -> TestSite.Reply {
                try await site.request(
                    "/micropub/media",
                    method: .POST,
                    headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                    body: Data(body.utf8)
                )
            }
            let longHeader =
                "--b\r\nContent-Disposition: form-data; name=\"alt\"; x=\"" + String(repeating: "a", count: 1 << 20) + "\"\r\n\r\nhi\r\n--b--\r\n"
            let headerReply = try await post(longHeader, boundary: "b")
            #expect(headerReply.status == .badRequest)
            #expect((headerReply.json["error_description"] as? String)?.contains("headers are limited to 16 KB") == true, "\(headerReply.text)")

            let manyParts = (0..<300).map { "--b\r\nContent-Disposition: form-data; name=\"f\($0)\"\r\n\r\nx\r\n" }.joined() + "--b--\r\n"
            let partsReply = try await post(manyParts, boundary: "b")
            #expect(partsReply.status == .badRequest)
            #expect((partsReply.json["error_description"] as? String)?.contains("at most 200 parts") == true, "\(partsReply.text)")
            #expect(try await site.get("/").status == .ok)
        }
    }
    @Test(
        "at start, temporaries of killed jobs are swept (at once when their writer on this machine has ended), and files still being written (a watch beside the server) are kept"
    )
    func sweepTemporaries() async throws {
        let data = try Fixtures.folder()
        let manager = FileManager.default
        for folder in ["uploads", "renditions", "public"] {
            try manager.createDirectory(at: data.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let stale = ["uploads/abc.part", "renditions/.0f3a.mp3.tmp", "renditions/.video-1234.mp4", "public/.x1.tmp"]
        let kept = ["uploads/being-copied.part", "renditions/.still-encoding.m4a.tmp", "renditions/photo-320.ab12cd.jpg"]
        // Fresh files whose names say who writes them: a process that has
        // ended (a server killed mid-upload) and this one, which is alive.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let endedWriter = TemporaryName.make("upload", extension: "part")
            .replacingOccurrences(of: "-\(getpid()).", with: "-\(ended.processIdentifier).")
        let liveWriter = TemporaryName.make(".photo-640", extension: "tmp")
        // Every file written just before the server starts (once it has its turn among the
        // test's servers), so "fresh" means fresh however long the wait for that turn was.
        let write: @Sendable (inout ServerConfiguration) -> Void = { _ in
            let old = Date().addingTimeInterval(-3600)
            for path in stale + kept + ["uploads/\(endedWriter)", "renditions/\(liveWriter)"] {
                manager.createFile(atPath: data.appendingPathComponent(path).path, contents: Data("x".utf8))
            }
            for path in stale + ["renditions/photo-320.ab12cd.jpg"] {
                try? manager.setAttributes([.modificationDate: old], ofItemAtPath: data.appendingPathComponent(path).path)
            }
        }
        let swept = stale + ["uploads/\(endedWriter)"]
        let left = kept + ["renditions/\(liveWriter)"]
        try await TestSite.run(data: data, configure: write) { site in
            for path in swept { #expect(!manager.fileExists(atPath: site.data.appendingPathComponent(path).path), "\(path) left") }
            for path in left { #expect(manager.fileExists(atPath: site.data.appendingPathComponent(path).path), "\(path) removed") }
        }
    }
    @Test("100 half-sent requests are closed once idle; the site answers meanwhile")
    func idleConnections() async throws {
        try await TestSite.run(
            configure: { $0.idleTimeout = .seconds(2) },
            body: { site in
                let port = URL(string: site.base)!.port!
                // Each connection sends the start of a request head and then nothing (slowloris).
                let script = """
                    import socket, sys, time
                    port = int(sys.argv[1])
                    held = []
                    for _ in range(100):
                        s = socket.create_connection(("127.0.0.1", port))
                        s.sendall(b"POST /micropub/media HTTP/1.1\\r\\nHost: x\\r\\nX-Slow: ")
                        held.append(s)
                    # Each must be closed by the server within a generous bound past
                    # its idle timeout (a loaded machine opens 100 sockets slowly).
                    closed = 0
                    for s in held:
                        s.settimeout(15)
                        try:
                            closed += s.recv(1) == b""
                        except ConnectionResetError:
                            closed += 1
                        except socket.timeout:
                            pass
                    print(closed)
                    """
                async let held = Fixtures.runOffPool("python3", ["-c", script, "\(port)"])
                try await Task.sleep(for: .seconds(1))
                #expect(try await site.get("/").status == .ok)
                let closed = Int(String(decoding: try await held, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                // Before the timeout none was closed. Under a loaded CI run one in a hundred was once
                // seen outliving 15 s (Hummingbird's idle handler; noted in the issue's note).
                #expect((closed ?? 0) >= 95, "still open after the idle timeout: \(100 - (closed ?? 0))")
            }
        )
    }
    @Test("a client's HTML is sanitised where it is shown; pages allow only their own script (checked in Chromium); sign-in pages cannot be framed")
    func contentSecurityPolicy() async throws {
        try await TestSite.run { site in
            let home = try await site.get("/")
            let policy = try #require(home.headers.first(name: "Content-Security-Policy"))
            let script = try #require(home.text.components(separatedBy: "<script>").dropFirst().first?.components(separatedBy: "</script>").first)
            let hash = try await Fixtures.runOffPool(
                "python3",
                ["-c", "import base64, hashlib, sys; print(base64.b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode())"],
                stdin: Data(script.utf8)
            )
            #expect(policy.contains("script-src 'sha256-\(String(decoding: hash, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))'"))
            #expect(policy.contains("frame-ancestors 'self'") && policy.contains("object-src 'none'"))
            #expect(home.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(home.headers.first(name: "Referrer-Policy") == "strict-origin-when-cross-origin")

            let signIn = try await site.get("/studio/sign-in")
            #expect(signIn.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
            #expect(signIn.headers.first(name: "X-Frame-Options") == "DENY")

            // A client's HTML with a script: stored as sent, but the browser refuses to run it.
            let token = try await site.token("create")
            let json = #"{"type":["h-entry"],"properties":{"content":[{"html":"<p>Hello</p><script>document.title='pwned'</script>"}]}}"#
            let permalink = try site.created(try await site.postJSON(json, token: token))
            // Sanitised before it is shown: the script is gone from the page and the feeds, the text stays;
            // q=source still gives the client what it sent.
            let page = try await site.get(permalink).text
            #expect(page.contains("<p>Hello</p>") && !page.contains("document.title="), "\(page)")
            for feed in ["/feed.xml", "/feed.json"] { #expect(!(try await site.get(feed).text.contains("document.title="))) }
            let source = try await site.get("/micropub?q=source&url=\(permalink)", headers: [("Authorization", "Bearer \(token)")]).text
            #expect(source.contains("document.title="))
            let script2 = Repository.root.appendingPathComponent("Tests/Browser/check_pages.py")
            let report = try await Fixtures.runOffPool("python3", [script2.path, try Fixtures.folder().path, "post=\(permalink)"])
            let result = (try JSONSerialization.jsonObject(with: report) as? [String: [String: Any]])?["post"]
            let title = result?["title"] as? String ?? ""
            #expect(!title.isEmpty && title != "pwned", "title: \(title)")
        }
    }
    @Test("connections past the cap are closed as they arrive; the site answers again once they go")
    func connectionCap() async throws {
        // Held connections must not meet the idle timeout while a loaded machine accepts them.
        try await TestSite.run(
            configure: {
                $0.maxConnections = 20
                $0.idleTimeout = .seconds(120)
            },
            body: { site in
                let port = URL(string: site.base)!.port!
                let script = """
                    import select, socket, sys, time
                    held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(30)]
                    closed = set()
                    def collect(wait):
                        ready, _, _ = select.select([s for s in held if s not in closed], [], [], wait)
                        for s in ready:
                            try:
                                data = s.recv(1)
                            except ConnectionResetError:
                                data = b""
                            if data == b"":
                                closed.add(s)
                    # Wait for the ones past the cap, then a moment more for any other. A CI run
                    # loaded with every other test once took over 11 s to accept all 30.
                    deadline = time.time() + 40
                    while time.time() < deadline and len(closed) < 10:
                        collect(0.5)
                    collect(1)
                    print(len(closed))
                    """
                let closed =
                    Int(
                        String(decoding: try await Fixtures.runOffPool("python3", ["-c", script, "\(port)"]), as: UTF8.self)
                            .trimmingCharacters(in: .whitespacesAndNewlines)
                    ) ?? 0
                // 20 allowed, less the test client's own pooled connection.
                #expect((10...11).contains(closed), "\(closed) of 30 closed")
                #expect(try await site.get("/").status == .ok)
            }
        )
    }

    @Test("past the cap, bodies from senders without a token are refused with 503 before they are read; token holders still upload")
    func unauthenticatedBodies() async throws {
        try await TestSite.run(
            configure: { $0.maxUnauthenticatedBodies = 4 },
            body: { site in
                let port = URL(string: site.base)!.port!
                let token = try await site.token("media")
                // Four strangers start multipart uploads and then send nothing more; a fifth arrives.
                let script = """
                    import socket, sys, time
                    port = int(sys.argv[1])
                    def start():
                        s = socket.create_connection(("127.0.0.1", port))
                        s.sendall(b"POST /micropub/media HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: multipart/form-data; boundary=b\\r\\n"
                                  b"Content-Length: 1000000\\r\\n\\r\\n--b\\r\\nContent-Disposition: form-data; name=\\"access_token\\"\\r\\n\\r\\nab")
                        return s
                    held = [start() for _ in range(4)]
                    time.sleep(1)
                    fifth = start()
                    fifth.settimeout(20)
                    answer = fifth.recv(200).decode(errors="replace")
                    print(answer.split("\\r\\n")[0])
                    sys.stdout.flush()
                    time.sleep(3)
                    """
                async let strangers = Fixtures.runOffPool("python3", ["-c", script, "\(port)"])
                try await Task.sleep(for: .seconds(2))
                let photo = try await Fixtures.png(in: try Fixtures.folder())
                #expect(try await site.upload(photo, token: token).status == .created)
                let status = String(decoding: try await strangers, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(status == "HTTP/1.1 503 Service Unavailable")
                // Once they are gone, an unauthenticated form is read again.
                let reply = try await site.request(
                    "/token",
                    method: .POST,
                    headers: [("Content-Type", "application/x-www-form-urlencoded")],
                    body: Data("grant_type=x".utf8)
                )
                #expect(reply.status == .badRequest)
            }
        )
    }
}
