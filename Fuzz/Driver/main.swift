import Foundation
import FuzzHarnesses
import MediaEngine
import MediaModel
import MediaSandbox

#if canImport(Glibc)
import Glibc
#endif

// `fuzz NAME [libFuzzer options and corpus folders]` under libFuzzer, when
// built by `scripts/fuzz` (which defines FUZZING and links libFuzzer);
// `fuzz NAME FILE...` replays inputs in any build.

let arguments = CommandLine.arguments

// `fuzz media-child [--memory-bytes N] [--cpu-seconds N] [--niceness N]`:
// the server's media child (`ChildLoop`, inside the `Sandbox`), built with
// AddressSanitizer; `scripts/fuzz-media` drives it through a
// `MediaChildPool`, as the server drives its own.
if arguments.count > 1, arguments[1] == "media-child" {
    var limits = Sandbox.Limits()
    var files = Sandbox.Files()
    for (name, value) in zip(arguments.dropFirst(2), arguments.dropFirst(3)) {
        if name == "--memory-bytes", let bytes = Int(value) { limits.memoryBytes = bytes }
        if name == "--cpu-seconds", let seconds = Int(value) { limits.cpuSeconds = seconds }
        if name == "--readable" { files.readable.append(value) }
        if name == "--writable" { files.writable.append(value) }
    }
    try Sandbox.enter(limits, files: files.readable.isEmpty && files.writable.isEmpty ? nil : files)
    FFmpeg.configure(verbose: false)
    try Vips.start()
    ChildLoop.run()
    exit(0)
}

guard arguments.count > 1, let harness = Harnesses.named(arguments[1]) else {
    FileHandle.standardError.write(
        Data("usage: fuzz NAME [options] [corpus...]; NAME is one of: \(Harnesses.all.map(\.name).joined(separator: " "))\n".utf8)
    )
    exit(2)
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The harness libFuzzer calls; a C callback cannot capture, so it is a global.
nonisolated(unsafe) var selected = harness

// libFuzzer sees the program name and the options, not the harness name.
var cArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var count = Int32(cArguments.count - 1)
let status = cArguments.withUnsafeMutableBufferPointer { buffer -> Int32 in
    guard var base = buffer.baseAddress else { return 2 }
    return runDriver(&count, &base) { data, size in
        selected.run(data.map { Data(bytes: $0, count: size) } ?? Data())
        return 0
    }
}
exit(status)
#else
for path in arguments.dropFirst(2) {
    harness.run((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
}
print("\(harness.name): \(arguments.count - 2) inputs replayed")
#endif
