import ArgumentParser
import Foundation
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
    @Flag(help: "Enter the sandbox, then print what it allows as JSON and exit.") var check = false

    func run() throws {
        // The libraries start before the sandbox closes: they may read their configuration files.
        FFmpeg.configure(verbose: false)
        try Vips.start()
        try Sandbox.enter(Sandbox.Limits(memoryBytes: memoryBytes, cpuSeconds: cpuSeconds))
        if check {
            print(#"{"socket": \#(Sandbox.canOpenSocket())}"#)
            return
        }
        ChildLoop.run()
    }
}
