import Foundation
import Glibc
import MediaEngine
import MediaKit
import MediaModel
import Synchronization

/// The media child's side: one request line in, progress lines and one
/// answer line out, until its standard input closes. Runs inside the
/// sandbox, so whatever a file makes the decoder do, it does without the
/// network and within the limits.
public enum ChildLoop {
    /// Test-only: with `MICROCAST_TEST_TRIGGERS=1` in the environment, a
    /// file whose first 64 KB hold `MICROCAST-CRASH-THE-DECODER` makes the
    /// child abort, and one holding `MICROCAST-EXHAUST-MEMORY` makes it
    /// allocate until its limit ends it, as a decoder bug would. (Uploads
    /// reach the child under temporary names, so the bytes carry the mark.)
    static let triggers = ProcessInfo.processInfo.environment["MICROCAST_TEST_TRIGGERS"] == "1"

    /// How often a working child says how far it is.
    static let progressInterval = 0.25

    public static func run(budget: DecodeBudget = DecodeBudget()) {
        let decoder = JSONDecoder()
        let output = Output()
        // A child holds the peak of its largest decode otherwise: with four
        // children, 1.4 GB after 200 large photos (`bench backlog`).
        ProcessMemory.configure()
        while let line = readLine(strippingNewline: true) {
            var answer: ChildAnswer
            if let request = try? decoder.decode(ChildRequest.self, from: Data(line.utf8)) {
                if triggers { pullTrigger(request) }
                answer = perform(request, budget: budget, output: output)
            } else {
                answer = ChildAnswer(error: .engine("the media child could not read its request"))
            }
            answer.peakKilobytes = peakKilobytes()
            output.finish(answer)
            ProcessMemory.trim()
        }
    }

    /// Writes whole lines to standard output: progress while a request is
    /// being worked on, then its answer. One lock orders them, so no progress
    /// line of one request follows its answer into the next exchange.
    final class Output: Sendable {
        /// The request being worked on (a number per request), nil between them.
        private let state = Mutex((encoder: JSONEncoder(), working: Int?.none, requests: 0))

        /// Marks a request as being worked on; its number keys its progress.
        func begin() -> Int {
            state.withLock { state in
                state.requests += 1
                state.working = state.requests
                return state.requests
            }
        }

        /// Sends `fraction` (nil: nothing new) if request `number` is still
        /// being worked on; false once its answer is out.
        func progress(_ fraction: Double?, of number: Int) -> Bool {
            state.withLock { state in
                guard state.working == number else { return false }
                if let fraction { Self.write(ChildAnswer(progress: fraction), state.encoder) }
                return true
            }
        }

        func finish(_ answer: ChildAnswer) {
            state.withLock { state in
                state.working = nil
                Self.write(answer, state.encoder)
            }
        }

        private static func write(_ answer: ChildAnswer, _ encoder: JSONEncoder) {
            var bytes = (try? encoder.encode(answer)) ?? Data(#"{"error":{"kind":"engine","message":"unencodable answer"}}"#.utf8)
            bytes.append(UInt8(ascii: "\n"))
            FileHandle.standardOutput.write(bytes)
        }
    }

    static func perform(_ request: ChildRequest, budget: DecodeBudget, output: Output) -> ChildAnswer {
        let control = JobControl(deadline: .now + .milliseconds(Int64(request.seconds * 1000)))
        if case .inspect = request.work {
        } else {
            // A job's progress, sent while it works, for the studio's live view.
            let number = output.begin()
            Thread.detachNewThread {
                var last = -1.0
                while true {
                    Thread.sleep(forTimeInterval: progressInterval)
                    let now = control.progress
                    guard output.progress(now > last ? now : nil, of: number) else { return }
                    last = max(last, now)
                }
            }
        }
        do throws(MediaError) {
            return ChildAnswer(made: try make(request.work, from: request.path, budget: budget, control: control))
        } catch {
            return ChildAnswer(error: error)
        }
    }

    /// Does the work in this process: what a child runs for each request.
    public static func make(_ work: ChildWork, from path: String, budget: DecodeBudget, control: JobControl) throws(MediaError) -> ChildMade {
        switch work {
        case .inspect(let limits):
            return .probe(try Inspector.inspect(path: path, limits: limits, budget: budget, control: control))
        case .removeLocation(let format, let destination):
            return .publicCopy(try RemoveLocation.copy(from: path, format: format, to: URL(fileURLWithPath: destination), control: control))
        case .photo(let preset, let folder, let stem):
            let made = try PhotoRenditions.make(from: path, preset: preset, budget: budget, control: control)
            let stills = try write(made.renditions, into: URL(fileURLWithPath: folder, isDirectory: true), stem: stem)
            return .photo(stills: stills, placeholder: made.placeholder)
        case .audio(let preset, let tags, let cover, let limits, let folder):
            let artwork = cover.flatMap { try? Data(contentsOf: URL(fileURLWithPath: $0)) }
            let made = try PodcastAudio.make(
                from: path,
                into: URL(fileURLWithPath: folder, isDirectory: true),
                preset: preset,
                tags: tags,
                cover: artwork,
                limits: limits,
                control: control
            )
            return .audio(made)
        case .video(let preset, let posterEncodings, let limits, let folder, let stem):
            let into = URL(fileURLWithPath: folder, isDirectory: true)
            let made = try WebVideo.make(from: path, into: into, preset: preset, posterEncodings: posterEncodings, limits: limits, control: control)
            do throws(MediaError) {
                let poster = try write(made.poster, into: into, stem: stem)
                return .video(files: made.files, poster: poster, placeholder: made.placeholder)
            } catch {
                for file in made.files { try? FileManager.default.removeItem(at: file.temporaryFile) }
                throw error
            }
        case .avatar(let limits, let size, let destination):
            let probe = try Inspector.inspect(path: path, limits: limits, budget: budget, control: control)
            guard probe.kind == .photo else { throw .unsupported("an author photo must be an image") }
            let jpeg = try VipsImageRef.square(path: path, size: size).jpeg(quality: 82)
            do {
                try jpeg.write(to: URL(fileURLWithPath: destination))
            } catch {
                throw .engine("the author photo could not be written: \(error)")
            }
            return .avatar(byteCount: Int64(jpeg.count))
        }
    }

    /// Writes encoded stills under temporary names in `folder`, all or none.
    static func write(_ stills: [EncodedRendition], into folder: URL, stem: String) throws(MediaError) -> [StillFile] {
        var written: [StillFile] = []
        for still in stills {
            let file = folder.appendingPathComponent(TemporaryName.make(".\(stem)-\(still.width)", extension: "tmp"))
            do {
                try still.data.write(to: file)
            } catch {
                for made in written { try? FileManager.default.removeItem(at: made.file) }
                try? FileManager.default.removeItem(at: file)
                let full = (error as? CocoaError)?.code == .fileWriteOutOfSpace
                throw full ? .noSpace("a rendition could not be written: \(error)") : .engine("a rendition could not be written: \(error)")
            }
            written.append(StillFile(width: still.width, height: still.height, format: still.format, file: file, byteCount: Int64(still.data.count)))
        }
        return written
    }

    static func peakKilobytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }

    /// `MICROCAST-CRASH-THE-DECODER` crashes any work on the file (the
    /// upload is refused); `MICROCAST-CRASH-THE-JOB` only the processing
    /// jobs', so the upload is accepted and its job meets the crash.
    static func pullTrigger(_ request: ChildRequest) {
        guard let handle = FileHandle(forReadingAtPath: request.path), let head = try? handle.read(upToCount: 65_536) else { return }
        try? handle.close()
        func marked(_ mark: String) -> Bool { head.range(of: Data(mark.utf8)) != nil }
        if marked("MICROCAST-CRASH-THE-DECODER") { abort() }
        switch request.work {
        case .photo, .audio, .video: if marked("MICROCAST-CRASH-THE-JOB") { abort() }
        default: break
        }
        if marked("MICROCAST-EXHAUST-MEMORY") {
            // Address space, not touched pages: the limit ends it in
            // milliseconds, without pressing on the machine's memory.
            var hoard: [UnsafeMutableRawPointer] = []
            while true {
                guard let block = malloc(64 << 20) else { abort() }
                hoard.append(block)
            }
        }
    }
}
