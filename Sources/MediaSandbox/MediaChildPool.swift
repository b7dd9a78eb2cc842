import Foundation
import Glibc
import MediaModel
import Synchronization

/// Media children: processes of this same executable (`microcast
/// media-child`), each in the `Sandbox`, that decode what strangers upload
/// so a decoder bug costs a child, never the server with its store and
/// sessions. A dead child is replaced (after a wait that grows while
/// children keep dying); the request it was serving fails with "the file
/// crashed the decoder". Answers are checked like any stranger's input:
/// bounded in size, decoded strictly, and held to the limits again.
///
/// `inspect` blocks its thread while the child works: call it from a thread
/// pool, as the in-process inspection was.
public final class MediaChildPool: Sendable {
    /// Which executable to start, how many at once, and their limits.
    public struct Configuration: Sendable {
        public var executable: URL
        public var arguments: [String] = ["media-child"]
        /// Children at once: the most inspections that run together.
        public var size: Int
        public var limits = Sandbox.Limits()
        public var environment: [String: String] = ProcessInfo.processInfo.environment

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
        let request = ChildRequest(work: .inspect, path: path, limits: limits, seconds: seconds)
        let answer = try exchange(request, timeout: seconds + 10)
        if let error = answer.mediaError { throw error }
        guard let probe = answer.probe else { throw .engine("the media child answered neither a probe nor an error") }
        try Self.check(probe, limits: limits)
        return probe
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

    func exchange(_ request: ChildRequest, timeout: Double) throws(MediaError) -> ChildAnswer {
        let line: Data
        do {
            line = try JSONEncoder().encode(request) + Data([UInt8(ascii: "\n")])
        } catch {
            throw .engine("the request could not be written")
        }
        let result: Result<Data, ChildFailure>
        do {
            result = try withChild { child in child.exchange(line, timeout: timeout) }
        } catch {
            throw .engine("no media child could be started: \(error)")
        }
        switch result {
        case .success(let bytes):
            guard let answer = try? JSONDecoder().decode(ChildAnswer.self, from: bytes) else {
                throw .engine("the media child's answer could not be read")
            }
            return answer
        case .failure(.timedOut):
            throw .interrupted("the file took more than \(Int(timeout)) s to read")
        case .failure(.died(let reason)):
            events.crashed(reason)
            throw .unreadable("the file crashed the decoder (\(reason))")
        case .failure(.tooLong):
            throw .engine("the media child answered more than \(Self.largestAnswer) bytes")
        }
    }

    /// Runs `body` with a child of its own: an idle one, or one started now.
    /// A child `body` found dead or stuck is dropped, and the next one starts
    /// after a wait that doubles with each death in a row (up to 5 s).
    func withChild<T>(_ body: (Child) -> Result<T, ChildFailure>) throws -> Result<T, ChildFailure> {
        slots.wait()
        defer { slots.signal() }
        let child: Child
        let reused = idle.withLock { $0.popLast() }
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
            child = try Child(configuration, events: events)
        }
        let result = body(child)
        switch result {
        case .success:
            crashes.withLock { $0 = (0, .now) }
            idle.withLock { $0.append(child) }
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
        case timedOut, tooLong
    }

    /// One child process and its two pipes.
    final class Child: @unchecked Sendable {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        let events: Events
        private var ended = false

        init(_ configuration: Configuration, events: Events) throws {
            self.events = events
            process.executableURL = configuration.executable
            process.arguments =
                configuration.arguments + [
                    "--memory-bytes", "\(configuration.limits.memoryBytes)", "--cpu-seconds", "\(configuration.limits.cpuSeconds)",
                ]
            process.environment = configuration.environment
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.standardError
            try process.run()
            events.started()
        }

        var isRunning: Bool { process.isRunning }

        /// Writes the request and reads one answer line, within `timeout` seconds.
        func exchange(_ line: Data, timeout: Double) -> Result<Data, ChildFailure> {
            let writing = input.fileHandleForWriting.fileDescriptor
            let written = line.withUnsafeBytes { write(writing, $0.baseAddress, $0.count) }
            guard written == line.count else { return .failure(.died(reason())) }
            let reading = output.fileHandleForReading.fileDescriptor
            let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
            var answer = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { return .failure(.timedOut) }
                var descriptor = pollfd(fd: reading, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, Int32(min(left.timeInterval * 1000, 1000)))
                if ready < 0 && errno != EINTR { return .failure(.died(reason())) }
                guard ready > 0 else { continue }
                let count = read(reading, &buffer, buffer.count)
                if count <= 0 { return .failure(.died(reason())) }
                answer.append(contentsOf: buffer[0..<count])
                if let end = answer.firstIndex(of: UInt8(ascii: "\n")) { return .success(answer[..<end]) }
                if answer.count > MediaChildPool.largestAnswer { return .failure(.tooLong) }
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
            process.waitUntilExit()
            try? input.fileHandleForWriting.close()
            try? output.fileHandleForReading.close()
            events.ended()
        }
    }
}

extension Duration {
    var timeInterval: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
