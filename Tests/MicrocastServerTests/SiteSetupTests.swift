import Foundation
import Glibc
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// A site's first minutes, as its owner lives them with the real binary
/// (issue 25): the data folder is private, every command uses the URL `serve`
/// ran with, and a mistyped passphrase is asked again.
@Suite("Setting up a site")
struct SiteSetupTests {
    typealias Running = Microcast.Running

    func mode(_ path: String) throws -> Int {
        try #require((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    @Test("a new data folder is 0700 and its database 0600 (WAL and SHM too); an existing open folder is tightened at start, with a log line")
    func privateDataFolder() async throws {
        let parent = try Fixtures.folder()
        let data = parent.appendingPathComponent("site")
        let logs = try Fixtures.folder()
        let token = try await Microcast.run(["token", "create", "--data", data.path])
        #expect(token.status == 0)
        #expect(try mode(data.path) == 0o700)
        #expect(try mode(data.appendingPathComponent("microcast.sqlite").path) == 0o600)

        // A folder made by an older version, open to everyone, with its database world-readable.
        chmod(data.path, 0o755)
        chmod(data.appendingPathComponent("microcast.sqlite").path, 0o644)
        let (port, reservation) = try reservePort()
        close(reservation)
        let server = try Running(["serve", "--data", data.path, "--port", "\(port)"], log: logs.appendingPathComponent("serve.log"))
        let web = TestSite(base: "http://127.0.0.1:\(port)", data: data, store: try await TestSite.openStore(data), databaseArguments: [])
        try await web.waitUntilUp()
        // Written while serving: the WAL and shared-memory files exist now, with the database's mode.
        let posted = try await web.postForm([("h", "entry"), ("content", "Private folder")], token: token.output.trimmingCharacters(in: .newlines))
        #expect(posted.status == .created)
        try await server.stop()
        #expect(try mode(data.path) == 0o700)
        for file in ["microcast.sqlite", "microcast.sqlite-wal", "microcast.sqlite-shm"] {
            let path = data.appendingPathComponent(file).path
            if FileManager.default.fileExists(atPath: path) { #expect(try mode(path) == 0o600, "\(file)") }
        }
        #expect(server.text.contains("data folder made owner-only"), "\(server.text)")
    }

    @Test("serve on port N, then export and site print with no --base-url: every link is under http://127.0.0.1:N, and :8080 is never recorded")
    func exportTakesServesURL() async throws {
        let data = try Fixtures.folder()
        let logs = try Fixtures.folder()
        let token = try await Microcast.run(["token", "create", "--data", data.path]).output.trimmingCharacters(in: .newlines)
        let (port, reservation) = try reservePort()
        close(reservation)
        let base = "http://127.0.0.1:\(port)"
        let server = try Running(["serve", "--data", data.path, "--port", "\(port)"], log: logs.appendingPathComponent("serve.log"))
        let store = try await TestSite.openStore(data)
        let web = TestSite(base: base, data: data, store: store, databaseArguments: [])
        try await web.waitUntilUp()
        #expect(try await web.postForm([("h", "entry"), ("content", "One post")], token: token).status == .created)
        try await server.stop()
        await store.close()

        let output = try Fixtures.folder().appendingPathComponent("site")
        let exported = try await Microcast.run(["export", "--data", data.path, output.path])
        #expect(exported.status == 0, "\(exported.errors)")
        var ourLinks: [String] = []
        let walk = FileManager.default.enumerator(at: output, includingPropertiesForKeys: nil)
        while let file = walk?.nextObject() as? URL {
            guard ["html", "xml", "json", "txt"].contains(file.pathExtension), let text = try? String(contentsOf: file, encoding: .utf8) else {
                continue
            }
            for part in text.components(separatedBy: "http://127.0.0.1").dropFirst() { ourLinks.append("http://127.0.0.1" + part.prefix(6)) }
        }
        #expect(!ourLinks.isEmpty, "the export links its own pages and feeds")
        #expect(ourLinks.allSatisfy { $0.hasPrefix(base) }, "\(Set(ourLinks))")

        let printed = try await Microcast.run(["site", "print", "--data", data.path])
        #expect(printed.output.contains("url: \(base)/"), "\(printed.output)")
        let reopened = try await TestSite.openStore(data)
        let history = try await reopened.settings()[.baseURLHistory] ?? ""
        await reopened.close()
        #expect(!history.contains("8080"), "\(history)")
    }

    @Test("on a terminal, a too-short or mistyped passphrase is asked again (three tries) with the reason, never the usage text")
    func passphraseAskedAgain() async throws {
        let data = try Fixtures.folder()
        // pexpect gives the command a real terminal, as scripts/run does.
        let script = """
            import pexpect, sys
            child = pexpect.spawn(sys.argv[1], ["owner", "password", "--data", sys.argv[2], "--if-unset"], encoding="utf-8", timeout=60)
            child.expect("passphrase"); child.sendline("short")
            child.expect("try again"); child.expect("passphrase"); child.sendline("long enough words")
            child.expect("Again"); child.sendline("long enough wards")
            child.expect("differ"); child.expect("passphrase"); child.sendline("long enough words")
            child.expect("Again"); child.sendline("long enough words")
            child.expect(pexpect.EOF)
            child.close()
            print(child.exitstatus)
            print(child.before)
            """
        let output = String(
            decoding: try await Fixtures.runOffPool("python3", ["-c", script, Microcast.binary.path, data.path]),
            as: UTF8.self
        )
        #expect(output.hasPrefix("0\n"), "\(output)")
        #expect(output.contains("passphrase set"))
        #expect(!output.contains("Usage:"))
        let store = try await TestSite.openStore(data)
        let hash = try #require(try await store.passphraseHash())
        #expect(PassphraseHasher.verify("long enough words", against: hash))
        await store.close()

        // Three wrong tries end with the reason, and nothing is set.
        let other = try Fixtures.folder()
        let failing = """
            import pexpect, sys
            child = pexpect.spawn(sys.argv[1], ["owner", "password", "--data", sys.argv[2]], encoding="utf-8", timeout=60)
            for _ in range(3):
                child.expect("passphrase"); child.sendline("short")
            child.expect(pexpect.EOF)
            child.close()
            print(child.exitstatus)
            print(child.before)
            """
        let failed = String(
            decoding: try await Fixtures.runOffPool("python3", ["-c", failing, Microcast.binary.path, other.path]),
            as: UTF8.self
        )
        #expect(!failed.hasPrefix("0\n") && failed.contains("after 3 tries") && !failed.contains("Usage:"), "\(failed)")
    }
}
