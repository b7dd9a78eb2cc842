import Foundation

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
