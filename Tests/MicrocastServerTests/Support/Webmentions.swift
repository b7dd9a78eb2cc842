import Foundation
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// Sending and following Webmentions, and waiting for what they set going.
enum Webmentions {
    static func allowPrivate(_ configuration: inout ServerConfiguration) {
        configuration.services.allowPrivateFetch = true
    }

    /// Polls until `condition` holds; fails the test after `timeout`.
    static func eventually(
        _ what: String,
        timeout: Duration = .seconds(300),
        sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return }
            // Checked once more after the deadline: a busy machine may wake us late.
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
        throw Fixtures.CommandFailed(description: "timed out waiting until \(what)")
    }

    static func createPost(on site: TestSite, token: String, _ fields: [(String, String)]) async throws -> String {
        let reply = try await site.postForm([("h", "entry")] + fields, token: token)
        #expect(reply.status == .created, "\(reply.text)")
        return try #require(reply.headers.first(name: "location"))
    }

    static func sendWebmention(to site: TestSite, source: String, target: String) async throws -> TestSite.Reply {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body =
            "source=\(source.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")&target=\(target.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        return try await site.request(
            "/webmention",
            method: .POST,
            headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Data(body.utf8)
        )
    }

    static func status(_ site: TestSite, _ reply: TestSite.Reply) async throws -> [String: Any] {
        let location = try #require(reply.headers.first(name: "location"))
        return try await site.get(location).json
    }

    static func microcast(_ arguments: [String]) async throws -> String {
        let outcome = try await Microcast.run(arguments)
        guard outcome.status == 0 else {
            throw Fixtures.CommandFailed(description: "microcast \(arguments.joined(separator: " ")) failed: \(outcome.errors)")
        }
        return outcome.output
    }
}
