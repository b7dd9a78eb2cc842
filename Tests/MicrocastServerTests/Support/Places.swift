import Foundation
import Glibc
import TestSupport

/// The repository's own folders, for tests that read its files (presets,
/// browser scripts) or write artifacts (screenshots).
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let presets = root.appendingPathComponent("Presets")
}

/// A static host for an export, as a CDN would serve it.
enum StaticHost {
    /// A static host for an export: Python's `http.server` on `port`. Stop it
    /// with SIGKILL: the test process ignores SIGTERM (the server under test
    /// handles it itself), a child inherits that, and `terminate()` would leave it running.
    static func serve(_ folder: URL, port: Int) throws -> Process {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", folder.path]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        return server
    }
}

/// `microcast export` of a test site, served by a `StaticHost`: the site as
/// a CDN would serve it, at `base`.
struct StaticExport {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// The address the export was made for and is served at.
    let base: String
    let port: Int
    /// The exported files.
    let folder: URL

    /// Keeps a port (held until the static host takes it) and a folder for an export.
    static func reserve() throws -> (StaticExport, reservation: Int32) {
        let (port, reservation) = try reservePort()
        let folder = try Fixtures.folder().appendingPathComponent("site")
        return (StaticExport(base: "http://127.0.0.1:\(port)", port: port, folder: folder), reservation)
    }

    /// Exports `site` for this address; throws with the command's errors if it fails.
    func export(_ site: TestSite) async throws {
        let exported = try await Microcast.run(["export", "--data", site.data.path, "--base-url", base, folder.path])
        guard exported.status == 0 else { throw Failed(description: "export failed: \(exported.errors)") }
    }

    /// Serves the folder while `body` runs, once the host answers.
    func serving<T>(_ body: () async throws -> T) async throws -> T {
        let server = try StaticHost.serve(folder, port: port)
        defer { kill(server.processIdentifier, SIGKILL) }
        _ = try await Fixtures.runOffPool(
            "curl",
            ["-s", "-o", "/dev/null", "--retry", "20", "--retry-connrefused", "--retry-delay", "0", base + "/"]
        )
        return try await body()
    }

    /// Fetches a path (or a full URL) from the static host, following redirects.
    func fetch(_ pathOrURL: String) async throws -> Data {
        let url = pathOrURL.hasPrefix("http") ? pathOrURL : base + pathOrURL
        return try await Fixtures.runOffPool("curl", ["-sfL", url])
    }
}
