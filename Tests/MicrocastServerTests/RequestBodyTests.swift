import Foundation
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// Who may make the server hold a body, and for how long (issue 25): a
/// credential is checked before any of the body is read, a credential that
/// does not verify counts as none, and a body that trickles is cut off.
@Suite("Request bodies")
struct RequestBodyTests {
    /// Opens a connection per request, sends its head and the first bytes of a
    /// body that promises a megabyte, and prints the status line each gets
    /// back (or "none" if the server waits for the rest).
    static let startAndListen = """
        import socket, sys, json
        port, requests = int(sys.argv[1]), json.loads(sys.argv[2])
        for method, path, headers in requests:
            s = socket.create_connection(("127.0.0.1", port))
            head = f"{method} {path} HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1000000\\r\\n" + "".join(f"{k}: {v}\\r\\n" for k, v in headers)
            s.sendall((head + "\\r\\n").encode() + b"--b\\r\\nContent-Disposition: form-data; name=\\"x\\"\\r\\n\\r\\nabcdef")
            s.settimeout(30)
            try:
                answer = s.recv(300).decode(errors="replace").split("\\r\\n")[0]
            except socket.timeout:
                answer = "none"
            print(answer or "closed")
            s.close()
        """

    @Test("a wrong token, session or CSRF token is refused before the body is read, on every route that takes one")
    func credentialsBeforeBodies() async throws {
        try await TestSite.run(workerThreads: 0) { site in
            let port = try #require(URL(string: site.base)?.port)
            let bogus = ("Authorization", "Bearer bogus-token-from-nowhere")
            let json = ("Content-Type", "application/json")
            let form = ("Content-Type", "application/x-www-form-urlencoded")
            let multipart = ("Content-Type", "multipart/form-data; boundary=b")
            let stranger = ("Cookie", "mc_session=stolen-or-made-up")
            let requests: [(String, String, [(String, String)], Int)] = [
                ("POST", "/micropub", [bogus, json], 401),
                ("POST", "/micropub", [bogus, form], 401),
                ("POST", "/micropub", [bogus, multipart], 401),
                ("POST", "/micropub/media", [bogus, multipart], 401),
                ("PATCH", "/uploads/aaaaaaaaaaaaaaaaaaaa", [bogus, ("Tus-Resumable", "1.0.0"), ("Upload-Offset", "0")], 401),
                ("POST", "/micropub", [("X-CSRF-Token", "made-up"), stranger, json], 403),
                ("POST", "/studio/preview", [("X-CSRF-Token", "made-up"), stranger], 403),
                ("POST", "/studio/posts/anything", [stranger, form], 403),
                ("POST", "/studio/show/artwork", [stranger, multipart], 403),
                ("POST", "/auth/consent", [stranger, form], 403),
            ]
            let encoded = try JSONSerialization.data(withJSONObject: requests.map { [$0.0, $0.1, $0.2.map { [$0.0, $0.1] }] })
            let output = try await Fixtures.runOffPool("python3", ["-c", Self.startAndListen, "\(port)", String(decoding: encoded, as: UTF8.self)])
            let answers = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
            #expect(answers.count == requests.count)
            for (request, answer) in zip(requests, answers) {
                #expect(answer.hasPrefix("HTTP/1.1 \(request.3)"), "\(request.0) \(request.1) \(request.2): \(answer)")
            }
            #expect(try await site.get("/health").status == .ok)
        }
    }

    @Test("a bogus Authorization header counts as no credential: past the cap its body is refused with 503, and a real token still posts")
    func bogusCredentialTakesASlot() async throws {
        let cap: (inout ServerConfiguration) -> Void = { $0.maxUnauthenticatedBodies = 3 }
        try await TestSite.run(workerThreads: 0, configure: cap) { site in
            let port = try #require(URL(string: site.base)?.port)
            let token = try await site.token("create")
            // Three holders, each with a bogus token, start Webmention forms and send nothing more;
            // each fourth sender is refused at once, until a holder goes.
            let script = """
                import socket, sys, time
                port = int(sys.argv[1])
                def start():
                    s = socket.create_connection(("127.0.0.1", port))
                    s.sendall(b"POST /webmention HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer bogus\\r\\n"
                              b"Content-Type: application/x-www-form-urlencoded\\r\\nContent-Length: 8000\\r\\n\\r\\nsource=")
                    return s
                held = [start() for _ in range(3)]
                held_since = time.time()
                # A slot is taken when the server reads a head: retry until the cap answers
                # (for up to three minutes: a busy machine reads heads late). Holders are
                # started again before the server's 30 s idle timeout lets them go.
                deadline = time.time() + 180
                while time.time() < deadline:
                    if time.time() - held_since > 20:
                        for s in held:
                            s.close()
                        held = [start() for _ in range(3)]
                        held_since = time.time()
                    extra = start()
                    extra.settimeout(5)
                    try:
                        answer = extra.recv(200).decode(errors="replace").split("\\r\\n")[0]
                    except socket.timeout:
                        answer = ""
                    extra.close()
                    if answer:
                        break
                print(answer)
                sys.stdout.flush()
                sys.stdin.read()
                """
            let holders = Process()
            holders.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            holders.arguments = ["python3", "-c", script, "\(port)"]
            let output = Pipe()
            let input = Pipe()
            holders.standardOutput = output
            holders.standardInput = input
            try holders.run()
            defer { if holders.isRunning { holders.terminate() } }
            let line = try await Fixtures.offPool { String(decoding: output.fileHandleForReading.availableLine(), as: UTF8.self) }
            #expect(line == "HTTP/1.1 503 Service Unavailable", "\(line)")
            // A real token is never held back by strangers.
            let created = try await site.postForm([("h", "entry"), ("content", "Still posting")], token: token)
            #expect(created.status == .created)
            try input.fileHandleForWriting.close()
            try await Fixtures.offPool { holders.waitUntilExit() }
        }
    }

    @Test("a body that trickles below the minimum rate is cut off with 408, even from a valid token")
    func tricklingBodies() async throws {
        let rate: (inout ServerConfiguration) -> Void = { $0.minimumBodyRate = MinimumBodyRate(grace: .seconds(1), bytesPerSecond: 2000) }
        try await TestSite.run(workerThreads: 0, configure: rate) { site in
            let port = try #require(URL(string: site.base)?.port)
            let token = try await site.token("create")
            let script = """
                import socket, sys, time
                port, token = int(sys.argv[1]), sys.argv[2]
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall((f"POST /micropub HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer {token}\\r\\n"
                           f"Content-Type: application/json\\r\\nContent-Length: 100000\\r\\n\\r\\n").encode())
                s.settimeout(0.2)
                answer = ""
                for _ in range(600):
                    try:
                        s.sendall(b" ")
                    except OSError:
                        pass
                    try:
                        answer = s.recv(300).decode(errors="replace").split("\\r\\n")[0]
                        break
                    except socket.timeout:
                        pass
                print(answer or "none")
                """
            let output = try await Fixtures.runOffPool("python3", ["-c", script, "\(port)", token])
            #expect(String(decoding: output, as: UTF8.self).hasPrefix("HTTP/1.1 408"))
            #expect(try await site.get("/health").status == .ok)
        }
    }
}

extension FileHandle {
    /// Reads up to the first newline (without it).
    func availableLine() -> Data {
        var line = Data()
        while let byte = try? read(upToCount: 1), let first = byte.first, first != UInt8(ascii: "\n") { line.append(first) }
        return line
    }
}
