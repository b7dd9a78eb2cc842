import Foundation
import Glibc
import MicrocastApp
import TestSupport

/// The built `microcast` binary, run as users run it.
enum Microcast {
    static let binary = Repository.root.appendingPathComponent(".build/debug/microcast")

    /// The environment every command runs with: this process's, with
    /// transcription off (Whisper on every test's recordings would cost the
    /// suite minutes); the transcript tests turn it on by passing their own.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(["MICROCAST_TRANSCRIBE_MODEL": "off"]) { $1 }.merging(extra) { $1 }
    }

    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs a command to its end, waited for off Swift's cooperative pool
    /// (two threads on two cores: a test blocking one starves the rest).
    static func run(_ arguments: [String], input: String? = nil, environment extra: [String: String] = [:]) async throws -> Outcome {
        try await Fixtures.offPool { try runBlocking(arguments, input: input, environment: extra) }
    }

    /// `run`, on the caller's thread: only for code already off the pool.
    static func runBlocking(_ arguments: [String], input: String? = nil, environment extra: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = environment(extra)
        let folder = try Fixtures.folder()
        let outputFile = folder.appendingPathComponent("out")
        let errorFile = folder.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            output: try String(contentsOf: outputFile, encoding: .utf8),
            errors: try String(contentsOf: errorFile, encoding: .utf8)
        )
    }

    /// `serve` of the built binary over the embedded store in `data`, on a
    /// free loopback port, with `arguments` added; returns once it answers,
    /// with a `TestSite` that reads the same store. The caller stops both.
    static func serve(
        data: URL,
        _ arguments: [String] = [],
        environment: [String: String] = [:],
        log: URL
    ) async throws -> (server: Running, site: TestSite) {
        let (port, reservation) = try reservePort()
        close(reservation)
        let server = try Running(
            ["serve", "--data", data.path, "--port", "\(port)", "--base-url", "http://127.0.0.1:\(port)"] + arguments,
            log: log,
            environment: environment
        )
        do {
            let store = try await MicrocastServices.openStore(.embedded(in: data), connections: 1)
            let site = TestSite(base: "http://127.0.0.1:\(port)", data: data, store: store, databaseArguments: [])
            try await site.waitUntilUp()
            return (server, site)
        } catch {
            if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) }
            throw error
        }
    }

    /// A long-running command (`serve`, `worker`, `watch`), its standard error in a log file.
    struct Running {
        let process: Process
        let log: URL
        var text: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// - Parameter environment: added to this process's own.
        init(_ arguments: [String], log: URL, environment: [String: String] = [:]) throws {
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process = Process()
            process.executableURL = Microcast.binary
            process.arguments = arguments
            process.environment = Microcast.environment(environment)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            self.log = log
        }

        func stop() async throws {
            if process.isRunning { process.terminate() }
            try await Fixtures.offPool { process.waitUntilExit() }
        }
    }
}
