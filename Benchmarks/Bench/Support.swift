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
    let text = String(decoding: readAll(errors.fileHandleForReading), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("\(arguments.joined(separator: " ")) failed: \(text.suffix(500))") }
    return text
}

/// Reads a pipe to its end, retrying reads a signal interrupted
/// (Foundation's readDataToEndOfFile traps on EINTR).
func readAll(_ handle: FileHandle) -> Data {
    var data = Data()
    while true {
        do {
            guard let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty else { break }
            data.append(chunk)
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            if (error as NSError).code == Int(EINTR) || underlying?.code == Int(EINTR) { continue }
            break
        }
    }
    return data
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Runs a tool and returns its own peak resident memory in kilobytes.
///
/// The tool is started by a small Python process, not by us: Linux charges
/// a child spawned with vfork (as posix_spawn does) with its parent's peak at
/// exec, which would report this benchmark's own memory for every tool.
func runMeasured(_ arguments: [String]) -> Int {
    let script = """
        import resource, subprocess, sys
        subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { fatalError("cannot run \(arguments[0]): \(error)") }
    let text = String(decoding: readAll(output.fileHandleForReading), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0, let kilobytes = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        fatalError("\(arguments.joined(separator: " ")) failed")
    }
    return kilobytes
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

/// Runs a tool and returns its standard output, failing the benchmark if it fails.
@discardableResult
func runTool(_ tool: String, _ arguments: [String]) -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { fatalError("cannot run \(tool): \(error)") }
    let data = readAll(output.fileHandleForReading)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("\(tool) failed") }
    return data
}

/// Waits for asynchronous fixture making from the benchmark's own
/// (synchronous) code, which runs on the main thread, never on Swift's pool.
func fixture<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<T, any Error>?
    Task {
        do { result = .success(try await body()) } catch { result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try result!.get()
}

/// A real recording of about `bytes`, as an upload (so every path takes it
/// in): 48 kHz stereo 24-bit PCM, 288,000 bytes a second. Its URL and exact size.
func pcmRecording(in folder: URL, name: String, bytes: Int) throws -> (url: URL, bytes: Double) {
    let file = folder.appendingPathComponent(name)
    let seconds = max(1, bytes / 288_000)
    runTool(
        "ffmpeg",
        ["-v", "error", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "\(seconds)", "-ac", "2", "-c:a", "pcm_s24le", "-y", file.path]
    )
    return (file, Double((try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0))
}
