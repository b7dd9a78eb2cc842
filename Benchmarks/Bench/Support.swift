import Foundation
import Glibc

/// Runs a tool (fixture making, baselines), failing the benchmark if it fails.
func shell(_ arguments: [String]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    do {
        try process.run()
        process.waitUntilExit()
    } catch {
        fatalError("cannot run \(arguments[0]): \(error)")
    }
    guard process.terminationStatus == 0 else { fatalError("\(arguments.joined(separator: " ")) failed") }
}

/// Runs a tool and returns its standard error (where ffmpeg writes its reports).
func shellErrors(_ arguments: [String]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    do { try process.run() } catch { fatalError("cannot run \(arguments[0]): \(error)") }
    var data = Data()
    // Retries reads a signal interrupted; Foundation's readDataToEndOfFile traps on EINTR.
    while true {
        do {
            guard let chunk = try errors.fileHandleForReading.read(upToCount: 1 << 16), !chunk.isEmpty else { break }
            data.append(chunk)
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            if (error as NSError).code == Int(EINTR) || underlying?.code == Int(EINTR) { continue }
            break
        }
    }
    let text = String(decoding: data, as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("\(arguments.joined(separator: " ")) failed: \(text.suffix(500))") }
    return text
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Runs a baseline tool and returns its own peak resident memory in kilobytes
/// (wait4 reports each child's, so fixture making does not count).
func runMeasured(_ arguments: [String]) -> Int {
    var pid: pid_t = 0
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    guard posix_spawnp(&pid, arguments[0], nil, nil, argv, environ) == 0 else { fatalError("cannot run \(arguments[0])") }
    var status: Int32 = 0
    var usage = rusage()
    wait4(pid, &status, 0, &usage)
    guard status == 0 else { fatalError("\(arguments.joined(separator: " ")) failed") }
    return usage.ru_maxrss
}

func selfPeakKilobytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func scratchFolder(_ name: String) -> URL {
    let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("microcast-bench-\(name)-\(getpid())")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
