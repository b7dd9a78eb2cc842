import Foundation

/// A task executor with threads of its own. Test servers run on it: Swift
/// Testing runs every test in one process, and a test doing blocking work
/// (a transcode, a tool it waits for) holds one of the cooperative pool's
/// few threads (two on this machine), which would otherwise stall every
/// server in the process until its HTTP clients time out.
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    /// Shared by every test server in the process.
    public static let servers = DedicatedExecutor(threads: 4, name: "test-servers")

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    public init(threads: Int, name: String) {
        for index in 0..<threads {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
