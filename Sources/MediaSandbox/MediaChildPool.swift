import Foundation
import Glibc
import MediaKit
import MediaModel
import Synchronization

/// Media children: processes of this same executable (`microcast
/// media-child`), each in the `Sandbox`, that decode what strangers upload
/// (inspection, public copies, the media jobs, author photos) so a decoder
/// bug costs a child, never the server with its store and sessions. A dead
/// child is replaced (after a wait that grows while children keep dying);
/// the request it was serving fails with "the file crashed the decoder",
/// after `crashLoopLimit` tries for a job. Answers are checked like any
/// stranger's input: bounded in size, decoded strictly, held to the limits
/// again, and every file they name checked where it lies.
///
/// Every call blocks its thread while the child works: call it from a
/// thread pool, as the in-process decoding was.
public final class MediaChildPool: Sendable {
    /// Which executable to start, how many at once, and their limits.
    public struct Configuration: Sendable {
        public var executable: URL
        public var arguments: [String] = ["media-child"]
        /// Children at once: the most inspections that run together.
        public var size: Int
        public var limits = Sandbox.Limits()
        /// The folders the children may open files in (beside the system's); nil leaves files unrestricted.
        public var files: Sandbox.Files?
        public var environment: [String: String] = ProcessInfo.processInfo.environment
        /// Where the children's standard error goes; this process's when nil.
        public var errors: FileHandle?
        /// Times a job's child may die on one file before the job fails: a
        /// decoder bug the file sets off happens every time; anything else
        /// (the machine's memory, a signal from outside) seldom twice.
        public var crashLoopLimit = 3
        /// A new child for every request, able to read only that request's
        /// input files (beside `files`), ended after it answers: a decoder
        /// that one file subverts never sees another's. For the jobs, whose
        /// seconds of work dwarf a child's start; the request path keeps
        /// its children warm.
        public var childPerRequest = false
        /// The children's nice value: a job's children yield the CPU to the
        /// request path (the child sets it on itself before it starts a thread).
        public var niceness: Int32 = 0

        public init(executable: URL, size: Int) {
            self.executable = executable
            self.size = size
        }
    }

    /// What the owner of the pool hears about children (metrics, logs).
    public struct Events: Sendable {
        public var started: @Sendable () -> Void = {}
        public var ended: @Sendable () -> Void = {}
        public var crashed: @Sendable (_ reason: String) -> Void = { _ in }
        /// A child's peak resident memory, kilobytes, as it answered.
        public var answered: @Sendable (_ peakKilobytes: Int) -> Void = { _ in }

        public init() {}
    }

    let configuration: Configuration
    let events: Events
    private let idle = Mutex<[Child]>([])
    private let slots: DispatchSemaphore
    /// Children that died without being asked to, one after another; reset by a child that answers.
    private let crashes = Mutex<(count: Int, since: ContinuousClock.Instant)>((0, .now))
    static let largestAnswer = 1 << 20

    public init(_ configuration: Configuration, events: Events = Events()) {
        self.configuration = configuration
        self.events = events
        slots = DispatchSemaphore(value: max(1, configuration.size))
        // A child that died leaves a pipe whose write would otherwise end this process.
        signal(SIGPIPE, SIG_IGN)
    }

    /// Whether a child can be started and answers: the readiness check.
    public func isUp() -> Bool {
        (try? withChild { _ in .success(()) }) != nil
    }

    /// `Inspector.inspect` in a child: the probe, or why the file was refused.
    public func inspect(path: String, limits: MediaLimits, seconds: Double) throws(MediaError) -> MediaProbe {
        let control = JobControl(deadline: .now + .milliseconds(Int64(seconds * 1000)))
        guard case .probe(let probe) = try run(.inspect(limits: limits), on: path, control: control, tries: 1) else {
            throw .engine("the media child answered something other than a probe")
        }
        try Self.check(probe, limits: limits)
        return probe
    }

    /// `RemoveLocation.copy` in a child, written to `destination` (a temporary name the caller renames).
    public func removeLocation(
        from path: String,
        format: MediaFormat,
        to destination: URL,
        control: JobControl
    ) throws(MediaError)
        -> RemoveLocation.Method
    {
        let work = ChildWork.removeLocation(format: format, destination: destination.path)
        guard case .publicCopy(let method) = try run(work, on: path, control: control, tries: 1) else {
            throw .engine("the media child answered something other than a public copy")
        }
        try Self.checkFile(destination, in: destination.deletingLastPathComponent(), byteCount: nil)
        return method
    }

    /// `PhotoRenditions.make` in a child: its stills, in files under temporary names in `folder`.
    public func photoRenditions(
        from path: String,
        preset: PhotoPreset,
        folder: URL,
        stem: String,
        control: JobControl
    ) throws(MediaError)
        -> (stills: [StillFile], placeholder: String?)
    {
        let work = ChildWork.photo(preset: preset, folder: folder.path, stem: stem)
        guard case .photo(let stills, let placeholder) = try run(work, on: path, control: control, tries: configuration.crashLoopLimit) else {
            throw .engine("the media child answered something other than photo renditions")
        }
        try Self.checkFiles(stills.map { ($0.file, $0.byteCount) }, in: folder)
        try Self.check(stills, against: preset.encodings.map(\.format))
        return (stills, placeholder.flatMap(Self.colour))
    }

    /// `PodcastAudio.make` in a child: its files under temporary names in `folder`.
    public func podcastAudio(
        from path: String,
        into folder: URL,
        preset: AudioPreset,
        tags: AudioTags,
        cover: URL?,
        limits: MediaLimits,
        control: JobControl
    ) throws(MediaError) -> PodcastAudioResult {
        let work = ChildWork.audio(preset: preset, tags: tags, cover: cover?.path, limits: limits, folder: folder.path)
        guard case .audio(let result) = try run(work, on: path, control: control, tries: configuration.crashLoopLimit) else {
            throw .engine("the media child answered something other than episode audio")
        }
        try Self.checkFiles(result.files.map { ($0.temporaryFile, $0.byteCount) }, in: folder)
        let asked = Set(preset.encodings.map(\.name))
        guard result.files.allSatisfy({ asked.contains($0.encoding.name) && $0.duration.isFinite && $0.duration >= 0 }) else {
            throw .engine("the media child answered audio files it was not asked for")
        }
        return result
    }

    /// `WebVideo.make` in a child: its files and poster stills under temporary names in `folder`.
    public func webVideo(
        from path: String,
        into folder: URL,
        preset: VideoPreset,
        posterEncodings: [PhotoPreset.Encoding],
        limits: MediaLimits,
        stem: String,
        control: JobControl
    ) throws(MediaError) -> (files: [EncodedVideo], poster: [StillFile], placeholder: String?) {
        let work = ChildWork.video(preset: preset, posterEncodings: posterEncodings, limits: limits, folder: folder.path, stem: stem)
        guard case .video(let files, let poster, let placeholder) = try run(work, on: path, control: control, tries: configuration.crashLoopLimit)
        else {
            throw .engine("the media child answered something other than web video")
        }
        try Self.checkFiles(files.map { ($0.temporaryFile, $0.byteCount) } + poster.map { ($0.file, $0.byteCount) }, in: folder)
        try Self.check(poster, against: posterEncodings.map(\.format))
        guard files.allSatisfy({ $0.width > 0 && $0.height > 0 && $0.width <= 1 << 14 && $0.height <= 1 << 14 && $0.duration.isFinite }) else {
            throw .engine("the media child answered impossible video files")
        }
        return (files, poster, placeholder.flatMap(Self.colour))
    }

    /// A stranger's author photo checked and cut square in a child, written to `destination`.
    public func avatar(from path: String, limits: MediaLimits, size: Int, to destination: URL, seconds: Double) throws(MediaError) {
        let control = JobControl(deadline: .now + .milliseconds(Int64(seconds * 1000)))
        guard
            case .avatar(let byteCount) = try run(
                .avatar(limits: limits, size: size, destination: destination.path),
                on: path,
                control: control,
                tries: 1
            )
        else { throw .engine("the media child answered something other than an author photo") }
        try Self.checkFile(destination, in: destination.deletingLastPathComponent(), byteCount: byteCount)
    }

    /// Runs `work` in a child; a child that dies is replaced and the work
    /// tried again, `tries` times in all, before the file is called the cause.
    func run(_ work: ChildWork, on path: String, control: JobControl, tries: Int) throws(MediaError) -> ChildMade {
        var deaths: [String] = []
        while true {
            let seconds = control.deadline.map { max(0, ContinuousClock.now.duration(to: $0).timeInterval) } ?? 24 * 3600
            let request = ChildRequest(work: work, path: path, seconds: seconds)
            let answer: ChildAnswer
            do {
                answer = try exchange(request, control: control, timeout: seconds + 10)
            } catch {
                deaths.append(error.reason)
                guard deaths.count < tries, !control.shouldStop else {
                    let times = deaths.count == 1 ? "" : " \(deaths.count) times"
                    throw .unreadable("the file crashed the decoder\(times) (\(error.reason))")
                }
                continue
            }
            if let error = answer.mediaError { throw error }
            guard let made = answer.made else { throw .engine("the media child answered neither a result nor an error") }
            return made
        }
    }

    /// A child died on the request.
    struct ChildDeath: Error {
        var reason: String
    }

    /// A child's probe held to the limits the child was given: a child that
    /// was subverted by the file it read could otherwise wave it through.
    static func check(_ probe: MediaProbe, limits: MediaLimits) throws(MediaError) {
        let width = probe.width ?? 0
        let height = probe.height ?? 0
        guard width >= 0, height >= 0, width <= 1 << 20, height <= 1 << 20 else { throw .engine("the media child answered impossible dimensions") }
        if probe.kind == .photo && width * height > limits.maxPixels { throw .tooLarge("the image is over the pixel limit") }
        if let duration = probe.duration, !(duration.isFinite && duration >= 0 && duration <= limits.maxDurationSeconds) {
            throw .tooLarge("the recording is over the length limit")
        }
    }

    /// Stills of the formats asked for, with possible sizes.
    static func check(_ stills: [StillFile], against formats: [ImageFormat]) throws(MediaError) {
        guard stills.allSatisfy({ formats.contains($0.format) && $0.width > 0 && $0.height > 0 && $0.width <= 1 << 14 && $0.height <= 1 << 14 })
        else { throw .engine("the media child answered impossible stills") }
    }

    /// A placeholder colour is `#rrggbb` and nothing else (it is written into pages).
    static func colour(_ text: String) -> String? {
        text.utf8.count == 7 && text.first == "#" && text.dropFirst().allSatisfy(\.isHexDigit) ? text : nil
    }

    static func checkFiles(_ files: [(URL, Int64)], in folder: URL) throws(MediaError) {
        for (file, byteCount) in files { try checkFile(file, in: folder, byteCount: byteCount) }
    }

    /// A file a child says it wrote: directly in the folder it was given,
    /// under a hidden temporary name, a regular file (not a link to one
    /// elsewhere), of the size it claims.
    static func checkFile(_ file: URL, in folder: URL, byteCount: Int64?) throws(MediaError) {
        let name = file.lastPathComponent
        guard file.deletingLastPathComponent().standardizedFileURL.path == folder.standardizedFileURL.path, name.hasPrefix("."),
            name != ".", name != ".."
        else { throw .engine("the media child answered a file outside its folder") }
        var status = stat()
        guard lstat(file.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw .engine("the media child answered a file that is not there")
        }
        if let byteCount, Int64(status.st_size) != byteCount { throw .engine("the media child answered a file of another size") }
    }

    /// One request and its answer, with any progress lines between carried
    /// to `control`; a child still working when `control` says stop is
    /// killed (its files are left to the temporaries' sweep).
    func exchange(_ request: ChildRequest, control: JobControl, timeout: Double) throws(ChildDeath) -> ChildAnswer {
        let line: Data
        do {
            line = try JSONEncoder().encode(request) + Data([UInt8(ascii: "\n")])
        } catch {
            return ChildAnswer(error: .engine("the request could not be written"))
        }
        let result: Result<ChildAnswer, ChildFailure>
        do {
            result = try withChild(reading: request.inputs) { child in child.exchange(line, control: control, timeout: timeout) }
        } catch {
            return ChildAnswer(error: .engine("no media child could be started: \(error)"))
        }
        switch result {
        case .success(let answer):
            if let peak = answer.peakKilobytes { events.answered(peak) }
            return answer
        case .failure(.timedOut):
            return ChildAnswer(error: .interrupted("the \(request.work.name) took more than \(Int(timeout)) s"))
        case .failure(.stopped):
            let why = control.deadline.map { ContinuousClock.now >= $0 } == true ? "ran past its time limit" : "stopped"
            return ChildAnswer(error: .interrupted("the \(request.work.name) \(why)"))
        case .failure(.died(let reason)):
            events.crashed(reason)
            throw ChildDeath(reason: reason)
        case .failure(.unreadable):
            return ChildAnswer(error: .engine("the media child's answer could not be read"))
        case .failure(.tooLong):
            return ChildAnswer(error: .engine("the media child answered more than \(Self.largestAnswer) bytes"))
        }
    }

    /// Runs `body` with a child of its own: an idle one, or one started now.
    /// A child `body` found dead or stuck is dropped, and the next one starts
    /// after a wait that doubles with each death in a row (up to 5 s).
    func withChild<T>(reading inputs: [String] = [], _ body: (Child) -> Result<T, ChildFailure>) throws -> Result<T, ChildFailure> {
        slots.wait()
        defer { slots.signal() }
        let child: Child
        let reused = configuration.childPerRequest ? nil : idle.withLock { $0.popLast() }
        if let reused, reused.isRunning {
            child = reused
        } else {
            if let reused {
                // It died while idle: a crash all the same.
                events.crashed(reused.reason())
                crashes.withLock { $0 = ($0.count + 1, .now) }
            }
            let (count, since) = crashes.withLock { ($0.count, $0.since) }
            if count > 0 {
                let wait = Duration.milliseconds(min(5000, 100 << min(count - 1, 6)))
                let due = since + wait
                if ContinuousClock.now < due { Thread.sleep(forTimeInterval: (due - ContinuousClock.now).timeInterval) }
            }
            child = try Child(configuration, reading: configuration.childPerRequest ? inputs : [], events: events)
        }
        let result = body(child)
        switch result {
        case .success:
            crashes.withLock { $0 = (0, .now) }
            if configuration.childPerRequest {
                child.end()
            } else {
                idle.withLock { $0.append(child) }
            }
        case .failure(let failure):
            child.end()
            if case .died = failure {
                let count = crashes.withLock { state in
                    state = (state.count + 1, .now)
                    return state.count
                }
                replace(after: count)
            }
        }
        return result
    }

    /// Starts a child in place of one that died, after the crash loop's wait,
    /// so the pool is whole again before the next upload asks.
    private func replace(after crashesInARow: Int) {
        guard !configuration.childPerRequest else { return }
        let wait = Double(min(5000, 100 << min(crashesInARow - 1, 6))) / 1000
        DispatchQueue.global().asyncAfter(deadline: .now() + wait) { [self] in
            guard let child = try? Child(configuration, events: events) else { return }
            let surplus = idle.withLock { idle -> Child? in
                guard idle.count < configuration.size else { return child }
                idle.append(child)
                return nil
            }
            surplus?.end()
        }
    }

    /// Ends every idle child (at shutdown).
    public func shutdown() {
        for child in idle.withLock({ children in
            defer { children.removeAll() }
            return children
        }) { child.end() }
    }

    enum ChildFailure: Error {
        case died(String)
        case timedOut, stopped, tooLong, unreadable
    }

    /// One child process and its two pipes.
    final class Child: @unchecked Sendable {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        let events: Events
        private var ended = false

        /// - Parameter inputs: files it may read besides the configuration's folders.
        init(_ configuration: Configuration, reading inputs: [String] = [], events: Events) throws {
            self.events = events
            process.executableURL = configuration.executable
            process.arguments =
                configuration.arguments + [
                    "--memory-bytes", "\(configuration.limits.memoryBytes)", "--cpu-seconds", "\(configuration.limits.cpuSeconds)",
                    "--niceness", "\(configuration.niceness)",
                ]
                + (configuration.files.map { files in
                    (files.readable + inputs).flatMap { ["--readable", $0] } + files.writable.flatMap { ["--writable", $0] }
                } ?? [])
            process.environment = configuration.environment
            process.standardInput = input
            process.standardOutput = output
            process.standardError = configuration.errors ?? FileHandle.standardError
            try process.run()
            events.started()
        }

        var isRunning: Bool { process.isRunning }

        /// Writes the request and reads lines until the answer, within
        /// `timeout` seconds, carrying progress lines to `control`.
        func exchange(_ line: Data, control: JobControl, timeout: Double) -> Result<ChildAnswer, ChildFailure> {
            let writing = input.fileHandleForWriting.fileDescriptor
            let written = line.withUnsafeBytes { write(writing, $0.baseAddress, $0.count) }
            guard written == line.count else { return .failure(.died(reason())) }
            let reading = output.fileHandleForReading.fileDescriptor
            let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
            var pending = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let decoder = JSONDecoder()
            while true {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { return .failure(.timedOut) }
                // Its own deadline stops the work in the child; this stops a child that does not.
                if control.shouldStop { return .failure(.stopped) }
                var descriptor = pollfd(fd: reading, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, Int32(min(left.timeInterval * 1000, 250)))
                if ready < 0 && errno != EINTR { return .failure(.died(reason())) }
                guard ready > 0 else { continue }
                let count = read(reading, &buffer, buffer.count)
                if count <= 0 { return .failure(.died(reason())) }
                pending.append(contentsOf: buffer[0..<count])
                while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let text = pending[pending.startIndex..<end]
                    pending = Data(pending[(end + 1)...])
                    guard let answer = try? decoder.decode(ChildAnswer.self, from: text) else { return .failure(.unreadable) }
                    guard answer.made == nil && answer.error == nil, let progress = answer.progress else { return .success(answer) }
                    control.carry(progress)
                }
                if pending.count > MediaChildPool.largestAnswer { return .failure(.tooLong) }
            }
        }

        /// Why the child is gone: its signal or exit status, once it has ended.
        func reason() -> String {
            end()
            switch process.terminationReason {
            case .uncaughtSignal: return "signal \(process.terminationStatus)"
            case .exit: return "exit status \(process.terminationStatus)"
            @unknown default: return "ended"
            }
        }

        /// Kills the child if it still runs, and reaps it.
        func end() {
            guard !ended else { return }
            ended = true
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            // The pipes first: anything still holding their other ends (a
            // process the child started) then ends too, instead of blocking
            // on a pipe nobody reads while we wait.
            try? input.fileHandleForWriting.close()
            try? output.fileHandleForReading.close()
            process.waitUntilExit()
            events.ended()
        }
    }
}

extension Duration {
    var timeInterval: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
