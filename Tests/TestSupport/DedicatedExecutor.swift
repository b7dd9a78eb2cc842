import Foundation
import Synchronization

/// A task executor with threads of its own. Test servers run on it: Swift
/// Testing runs every test in one process, and a test doing blocking work
/// (a transcode, a tool it waits for) holds one of the cooperative pool's
/// few threads (two on this machine), which would otherwise stall every
/// server in the process until its HTTP clients time out.
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    /// Shared by every test server in the process.
    public static let servers = DedicatedExecutor(threads: 4, name: "test-servers")

    /// Where tests call libvips and FFmpeg themselves, as the product does on
    /// its `ImageThreads`: threads that never exit. Swift's cooperative
    /// threads do (Dispatch retires idle ones), and a thread that exits tears
    /// down libvips's per-thread buffer cache under buffers still in use,
    /// which crashed the media tests' process with SIGFPE in GLib's hash table.
    public static let media = DedicatedExecutor(threads: 4, name: "test-media")

    /// Runs blocking work, such as a call into the media engine, on one of these threads.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Task(executorPreference: self) { try work() }.value
    }

    private let queue = JobThreads()

    public init(threads: Int, name: String) {
        queue.start(threads: threads, name: name) { [unowned self] job in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    public func enqueue(_ job: consuming ExecutorJob) { queue.add(UnownedJob(job)) }
}

/// A serial executor on one thread of its own that never exits, for a global
/// actor: code isolated to the actor runs on that thread from its start and
/// after every await, which a task's executor preference does not promise
/// (a loaded run saw tests resume on cooperative threads after awaits).
public final class DedicatedSerialExecutor: SerialExecutor, @unchecked Sendable {
    private let queue = JobThreads()

    public init(name: String) {
        queue.start(threads: 1, name: name) { [unowned self] job in job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    public func enqueue(_ job: consuming ExecutorJob) { queue.add(UnownedJob(job)) }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    /// Whether the calling code runs on this executor's thread, told by the
    /// thread's identity: its name is no witness (under load a Linux thread
    /// started from one of Dispatch's was seen to carry that thread's name).
    public var isCurrentThread: Bool { queue.includesCurrentThread }
}

/// Jobs waiting for threads that never exit: the queue both executors share.
final class JobThreads: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private let threads = Mutex<Set<pthread_t>>([])

    /// Whether the caller is one of these threads.
    var includesCurrentThread: Bool { threads.withLock { $0.contains(pthread_self()) } }

    /// Starts `threads` threads, each running jobs in turn as they come.
    func start(threads: Int, name: String, run: @escaping @Sendable (UnownedJob) -> Void) {
        for index in 0..<threads {
            // Named from inside: a Linux thread otherwise keeps the name of the
            // thread that started it (often one of Dispatch's).
            Thread { [self] in
                Thread.current.name = threads == 1 ? name : "\(name)-\(index)"
                self.threads.withLock { _ = $0.insert(pthread_self()) }
                while true { run(next()) }
            }.start()
        }
    }

    func add(_ job: UnownedJob) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func next() -> UnownedJob {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty { condition.wait() }
        return jobs.removeFirst()
    }
}
