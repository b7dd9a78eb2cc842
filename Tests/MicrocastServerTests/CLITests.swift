import Foundation
import MediaModel
import MicrocastCore
import MicrocastStore
import TestSupport
import Testing

/// The `microcast` command line, run as users run it: the built binary.
@Suite("Command line")
struct CLITests {
    @Test("probe prints JSON for media and exits 2 with a reason for anything else")
    func probe() async throws {
        let folder = try Fixtures.folder()
        let tone = try await Microcast.run(["probe", try await Fixtures.tone(in: folder, seconds: 2).path])
        #expect(tone.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(tone.output.utf8)) as? [String: Any])
        #expect(json["kind"] as? String == "audio" && json["mime_type"] as? String == "audio/mpeg")
        let photo = try await Microcast.run(["probe", try await Fixtures.sidewaysJPEGWithGPS(in: folder).path])
        #expect(photo.output.contains("\"orientation\" : 6") && photo.output.contains("\"has_gps\" : true"))

        let text = folder.appendingPathComponent("notes.mp3")
        try Data("not audio\n".utf8).write(to: text)
        let refused = try await Microcast.run(["probe", text.path])
        #expect(refused.status == 2)
        #expect(refused.output.isEmpty)
        #expect(refused.errors.contains("not an audio, video or photo format"))
    }

    @Test("token create prints only the token; list shows it without the secret; revoke ends it")
    func tokens() async throws {
        let data = try Fixtures.folder().path
        let created = try await Microcast.run(["token", "create", "--data", data, "--scope", "create update delete media"])
        #expect(created.status == 0)
        let token = created.output.trimmingCharacters(in: .newlines)
        #expect(!token.contains("\n") && token.count == 43)
        #expect(try await Microcast.run(["token", "create", "--data", data, "--scope", "everything"]).status != 0)

        let store = try SQLiteStore(path: URL(fileURLWithPath: data).appendingPathComponent("microcast.sqlite").path)
        let stored = try #require(try await store.token(hash: Secrets.hash(token), now: Date()))
        #expect(stored.scope == ScopeSet("create update delete media"))

        let list = try await Microcast.run(["token", "list", "--data", data])
        #expect(list.output.contains("active\tcommand line\tcreate delete media update"))
        #expect(!list.output.contains(token))
        let id = try #require(stored.id)
        #expect(try await Microcast.run(["token", "revoke", "--data", data, "\(id)"]).status == 0)
        #expect(try await store.token(hash: Secrets.hash(token), now: Date()) == nil)
        #expect(try await Microcast.run(["token", "list", "--data", data]).output.contains("revoked"))
    }

    @Test("owner password reads standard input and stores only an scrypt hash")
    func ownerPassword() async throws {
        let data = try Fixtures.folder().path
        #expect(try await Microcast.run(["owner", "password", "--data", data], input: "short\n").status != 0)
        let set = try await Microcast.run(["owner", "password", "--data", data], input: "a long enough passphrase\n")
        #expect(set.status == 0)
        let store = try SQLiteStore(path: URL(fileURLWithPath: data).appendingPathComponent("microcast.sqlite").path)
        let hash = try #require(try await store.passphraseHash())
        #expect(hash.hasPrefix("scrypt$32768$8$1$") && !hash.contains("passphrase"))
        #expect(PassphraseHasher.verify("a long enough passphrase", against: hash))
        #expect(!PassphraseHasher.verify("a long enough passphrasf", against: hash))
        // --if-unset leaves an existing passphrase alone.
        #expect(try await Microcast.run(["owner", "password", "--data", data, "--if-unset"], input: "something else entirely\n").status == 0)
        #expect(try await store.passphraseHash() == hash)
    }
}
