import Foundation
import MicrocastCore
import TestSupport
import Testing

/// A site with a Mastodon server and an AT Protocol PDS beside it (the
/// fakes in `Tests/Fakes/`), and the owner's accounts on both connected
/// with the CLI, as a user would.
struct Syndicating {
    let site: TestSite
    let mastodon: FakeNetwork
    let pds: FakeNetwork
    let token: String

    /// - Parameter backfeedFirstLook: seconds to the first look for responses; nil reads none.
    static func run(
        database: TestSite.Database = .sqlite,
        backfeedFirstLook: Double? = nil,
        mastodonArguments: [String] = [],
        _ body: (Syndicating) async throws -> Void
    ) async throws {
        try await FakeNetwork.run(.mastodon, arguments: mastodonArguments) { mastodon in
            try await FakeNetwork.run(.pds) { pds in
                try await TestSite.run(
                    database: database,
                    configure: { configuration in
                        configuration.services.allowPrivateFetch = true
                        configuration.services.backfeed = BackfeedSchedule(
                            period: backfeedFirstLook == nil ? 0 : 7 * 86_400,
                            first: backfeedFirstLook ?? 60
                        )
                    }
                ) { site in
                    let token = try await site.token("create update delete media")
                    try await body(Syndicating(site: site, mastodon: mastodon, pds: pds, token: token))
                }
            }
        }
    }

    /// `microcast syndicate …` on the site's data, reaching the fakes on loopback.
    func command(_ arguments: [String]) async throws -> Microcast.Outcome {
        let network = arguments.first == "add" ? ["--allow-private-fetch"] : []
        return try await Microcast.run(["syndicate"] + arguments + ["--data", site.data.path] + network + site.databaseArguments)
    }

    /// Connects the fake Mastodon's owner with a token made there; returns its uid.
    @discardableResult
    func connectMastodon() async throws -> String {
        let made = try await mastodon.post("owner-token")
        let token = try #require(made["token"] as? String)
        let outcome = try await command(["add", "mastodon", "--instance", mastodon.base, "--token", token])
        #expect(outcome.status == 0, "\(outcome.errors)")
        #expect(!outcome.output.contains(token) && !outcome.errors.contains(token))
        return mastodon.base + "/@owner"
    }

    /// Connects the PDS's owner by handle and app password, the PDS found
    /// from the handle's DID document (the fake is also the resolver and
    /// the PLC directory); returns its uid.
    @discardableResult
    func connectBluesky() async throws -> String {
        let owner = try await pds.get("owner") as? [String: Any] ?? [:]
        let password = try #require(owner["password"] as? String)
        let outcome = try await command([
            "add", "bluesky", "--handle", "owner.test", "--app-password", password,
            "--atproto-resolver", pds.base, "--plc-directory", pds.base,
        ])
        #expect(outcome.status == 0, "\(outcome.errors)")
        #expect(!outcome.output.contains(password) && !outcome.errors.contains(password))
        return "https://bsky.app/profile/owner.test"
    }

    /// Creates a post by Micropub JSON; returns its permalink.
    func create(_ properties: [String: Any], syndicateTo: [String]) async throws -> String {
        let json: [String: Any] = ["type": ["h-entry"], "properties": properties.merging(["mp-syndicate-to": syndicateTo]) { $1 }]
        let reply = try await site.postJSON(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self), token: token)
        #expect(reply.status == .created, "\(reply.text)")
        return try #require(reply.headers.first(name: "Location"))
    }

    /// Sends a Micropub action (update, delete, undelete) as JSON.
    func action(_ json: [String: Any]) async throws {
        let reply = try await site.postJSON(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self), token: token)
        #expect([.ok, .noContent, .created].contains(reply.status), "\(reply.text)")
    }

    /// Uploads a file to the media endpoint; returns its URL.
    func upload(_ file: URL) async throws -> String {
        let reply = try await site.upload(file, token: token)
        #expect(reply.status == .created, "\(reply.text)")
        return try #require(reply.headers.first(name: "Location"))
    }

    /// The fake Mastodon's live statuses that link `permalink`.
    func statuses(linking permalink: String) async throws -> [[String: Any]] {
        try await mastodon.statuses().filter { ($0["text"] as? String)?.contains(permalink) == true && $0["deleted"] as? Bool == false }
    }

    /// The PDS's live records that link `permalink`.
    func records(linking permalink: String) async throws -> [[String: Any]] {
        try await pds.records().filter { record in
            record["deleted"] as? Bool == false && Self.text(of: record).contains(permalink)
                || ((record["record"] as? [String: Any])?["embed"] as? [String: Any])
                    .flatMap { ($0["external"] as? [String: Any])?["uri"] as? String } == permalink && record["deleted"] as? Bool == false
        }
    }

    static func text(of record: [String: Any]) -> String { (record["record"] as? [String: Any])?["text"] as? String ?? "" }

    /// The post's `syndication` URLs, as Micropub's q=source returns them.
    func syndication(of permalink: String) async throws -> [String] {
        let source = try await site.source(permalink, token: token)
        return (source["properties"] as? [String: Any])?["syndication"] as? [String] ?? []
    }
}
