import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import TestSupport

/// A network Microcast copies to, played on loopback by one of the
/// protocol-faithful fakes in `Tests/Fakes/` (a Mastodon server, an AT
/// Protocol PDS), started for one test and stopped after it.
struct FakeNetwork {
    enum Kind: String {
        case mastodon, pds
        /// A fediverse account on another server (`Tests/Fediverse/remote_actor.py`).
        case remoteActor

        var script: String {
            switch self {
            case .mastodon, .pds: "Tests/Fakes/\(rawValue).py"
            case .remoteActor: "Tests/Fediverse/remote_actor.py"
            }
        }

        /// A path that answers 200 once it listens.
        var readyPath: String { self == .remoteActor ? "/_fake/received" : "/_fake/requests" }
    }

    let base: String
    let process: Process

    /// Runs `body` with the fake answering at `base`.
    static func run<T>(_ kind: Kind, arguments: [String] = [], _ body: (FakeNetwork) async throws -> T) async throws -> T {
        // The port stays reserved until the fake listens (Python's server binds with SO_REUSEADDR too).
        let (port, reservation) = try reservePort()
        defer { close(reservation) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Repository.root.appendingPathComponent(kind.script).path, String(port)] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.standardError
        try process.run()
        // SIGKILL: the test process ignores SIGTERM (the servers under test take it).
        defer { kill(process.processIdentifier, SIGKILL) }
        let fake = FakeNetwork(base: "http://127.0.0.1:\(port)", process: process)
        try await fake.waitUntilUp(kind.readyPath)
        return try await body(fake)
    }

    func waitUntilUp(_ readyPath: String) async throws {
        // Python and its imports can take long to start on a busy machine.
        let deadline = ContinuousClock.now + .seconds(300)
        while true {
            if (try? await TestSite.client.execute(.init(url: base + readyPath), timeout: .seconds(2)))?.status == .ok { return }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure("the fake at \(base) never answered")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// A control's answer, as JSON.
    func get(_ control: String) async throws -> Any {
        let response = try await TestSite.client.execute(.init(url: base + "/_fake/" + control), timeout: .seconds(10))
        let body = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        guard let value = try? JSONSerialization.jsonObject(with: body) else {
            throw Failure("\(control) answered \(response.status): \(String(decoding: body.prefix(500), as: UTF8.self))")
        }
        return value
    }

    /// Sends a control (a reply from someone, a rate limit, a revoked token).
    @discardableResult
    func post(_ control: String, _ fields: [String: Any] = [:]) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + "/_fake/" + control)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: fields)))
        let response = try await TestSite.client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    /// Every status (Mastodon) or record (PDS), deleted ones included.
    func statuses() async throws -> [[String: Any]] { (try await get("statuses")) as? [[String: Any]] ?? [] }
    func records() async throws -> [[String: Any]] { (try await get("records")) as? [[String: Any]] ?? [] }
    func requests() async throws -> [String] { (try await get("requests")) as? [String] ?? [] }
}

/// Waits (never for a fixed time) until `condition` gives a value, or fails after `timeout`.
func awaitValue<T>(
    _ what: String,
    timeout: Duration = .seconds(300),
    _ condition: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await condition() { return value }
        guard ContinuousClock.now < deadline else { break }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw FakeNetwork.Failure("never happened: \(what)")
}
