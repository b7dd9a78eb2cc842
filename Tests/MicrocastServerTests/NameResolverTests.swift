import Foundation
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import NIOPosix
import Synchronization
import Testing

/// Name lookups that never end (a name server that does not answer) must
/// not hold a fetch, nor pile up (issue 25).
@Suite("Name lookups")
struct NameResolverTests {
    /// A lookup that blocks its thread until the test lets it go, as a dead name server does.
    final class StuckNameServer: Sendable {
        private let gate = DispatchSemaphore(value: 0)
        private let answered = Mutex(0)
        var lookupsAnswered: Int { answered.withLock { $0 } }
        func lookup(_ host: String) -> [AddressPolicy.Address] {
            gate.wait()
            answered.withLock { $0 += 1 }
            return []
        }
        func release(_ count: Int) { for _ in 0..<count { gate.signal() } }
    }

    @Test("a lookup that never answers is given up at its deadline while the lookup is still stuck; past the cap, more are refused at once")
    func stuckLookups() async throws {
        let threads = NIOThreadPool(numberOfThreads: 2)
        threads.start()
        let server = StuckNameServer()
        let resolver = NameResolver(threads: threads, deadline: .milliseconds(300), maxWaiting: 4) { server.lookup($0) }
        let fetcher = SafeFetcher(policy: FetchPolicy(userAgent: "test"), resolver: resolver)

        // The fetch ends with "timed out" although the lookup has not returned.
        await #expect(throws: FetchError.timedOut) { try await fetcher.get(URL(string: "http://stuck.example/")!) }
        #expect(server.lookupsAnswered == 0, "the fetch stopped waiting; the lookup did not end")

        // Four stuck lookups fill the cap (two threads pinned, two queued); the fifth is refused at once.
        for n in 0..<3 { await #expect(throws: FetchError.timedOut) { try await resolver.addresses(of: "stuck\(n).example") } }
        #expect(resolver.unfinished == 4)
        await #expect(throws: FetchError.timedOut) { try await resolver.addresses(of: "one-too-many.example") }
        #expect(resolver.unfinished == 4, "a refused lookup never reached a thread")

        // The name server answers again: the threads come back, and lookups work.
        server.release(4)
        let deadline = ContinuousClock.now + .seconds(300)
        while resolver.unfinished > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(resolver.unfinished == 0)
        server.release(1)
        #expect(try await resolver.addresses(of: "back.example").isEmpty)
        try await threads.shutdownGracefully()
    }

    @Test("the system resolver answers localhost with the loopback address")
    func systemLookups() async throws {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let resolver = NameResolver(threads: threads)
        let local = try await resolver.addresses(of: "localhost")
        #expect(local.contains(.v4([127, 0, 0, 1])))
        try await threads.shutdownGracefully()
    }
}
