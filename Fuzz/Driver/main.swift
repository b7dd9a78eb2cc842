import Foundation
import FuzzHarnesses
import MediaModel

#if canImport(Glibc)
import Glibc
#endif

// `fuzz NAME [libFuzzer options and corpus folders]` under libFuzzer, when
// built by `scripts/fuzz` (which defines FUZZING and links libFuzzer);
// `fuzz NAME FILE...` replays inputs in any build.

let arguments = CommandLine.arguments

// `fuzz media PRESETS SECONDS FILE` runs one file through the media jobs
// (`MediaTrial`) and prints its report as one JSON line: the child that
// `scripts/fuzz-media` starts for each mutant.
if arguments.count == 5, arguments[1] == "media", let seconds = Double(arguments[3]) {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("media-trial-\(getpid())")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let presets = try Presets.load(from: URL(fileURLWithPath: arguments[2]))
    var report = MediaTrial.run(path: arguments[4], presets: presets, seconds: seconds, scratch: scratch)
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    report.peakKilobytes = usage.ru_maxrss
    print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self))
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
