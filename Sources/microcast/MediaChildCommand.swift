import ArgumentParser
import Foundation
import Glibc
import MediaEngine
import MediaSandbox

/// `microcast media-child`: what `serve` starts to decode uploads in a
/// sandbox (see `MediaChildPool`); not for people to run.
struct MediaChildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media-child",
        abstract: "Decode media for a server, one request a line on standard input, inside a sandbox.",
        shouldDisplay: false
    )

    @Option(help: "Address space limit, bytes.") var memoryBytes: Int = Sandbox.Limits().memoryBytes
    @Option(help: "CPU time limit, seconds.") var cpuSeconds: Int = Sandbox.Limits().cpuSeconds
    @Option(help: "Nice value (media jobs' children run at 10).") var niceness: Int32 = 0
    @Option(help: "A folder whose files may be read (repeat); with none, nor --writable, files are not restricted.")
    var readable: [String] = []
    @Option(help: "A folder whose files may be read and written (repeat).") var writable: [String] = []
    @Flag(help: "Enter the sandbox, then print what it allows as JSON and exit.") var check = false
    @Option(help: "With --check: a file to try to read (repeat).") var tryRead: [String] = []

    func run() throws {
        if niceness != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
        let threads = Sandbox.threadCount()
        let files = readable.isEmpty && writable.isEmpty ? nil : Sandbox.Files(readable: readable, writable: writable)
        // The limits and file rules first, from the only thread there is
        // (Landlock binds the threads started after it); then the libraries,
        // which read their configuration and modules from the system's folders.
        try Sandbox.enter(Sandbox.Limits(memoryBytes: memoryBytes, cpuSeconds: cpuSeconds), files: files)
        FFmpeg.configure(verbose: false)
        try Vips.start()
        if check {
            let reads = Dictionary(uniqueKeysWithValues: tryRead.map { ($0, Sandbox.canRead($0)) })
            let report: [String: AnyEncodable] = [
                "socket": .init(Sandbox.canOpenSocket()), "landlock": .init(files == nil ? 0 : Sandbox.landlockVersion),
                "threadsAtEntry": .init(threads), "read": .init(reads),
            ]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        ChildLoop.run()
    }

    /// Runs `media-child` on the main thread before anything else starts a
    /// thread, if that is the command: `Microcast.main` calls it first.
    static func runIfAsked() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.first == configuration.commandName else { return }
        do {
            var command = try parseAsRoot(Array(arguments.dropFirst()))
            try command.run()
            Glibc.exit(0)
        } catch {
            exit(withError: error)
        }
    }
}

/// One value of a JSON report, whatever its type.
struct AnyEncodable: Encodable {
    let encode: (Encoder) throws -> Void
    init(_ value: some Encodable) { encode = value.encode }
    func encode(to encoder: Encoder) throws { try encode(encoder) }
}

extension MediaChildPool.Configuration {
    /// Children of this same executable, as the kernel knows it (not as it was typed).
    static func thisExecutable(size: Int) -> Self {
        Self(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), size: size)
    }
}
