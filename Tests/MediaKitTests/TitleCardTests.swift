import Foundation
import MediaModel
import TestSupport
import Testing

@testable import MediaKit

@Suite("Show title cards") @MediaThread
struct TitleCardTests {
    /// More threads than cores, so cards are truly drawn at once; threads that
    /// never exit, as the product's are (see `DedicatedExecutor.media`).
    nonisolated static let painters = DedicatedExecutor(threads: 8, name: "test-cards")

    @Test("cards drawn on many threads at once all come out: text drawing is serialised around Pango's shared font map")
    func concurrentCards() async throws {
        // A crash would end the whole test process; libvips #3660 reports one for concurrent vips_text.
        let sizes = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<64 {
                // @Sendable: not isolated to the suite's actor, so the cards are drawn on the painters, at once.
                group.addTask(executorPreference: Self.painters) { @Sendable in
                    try ShowArtwork.titleCard("Show number \(index)", side: 256).count
                }
            }
            var sizes: [Int] = []
            for try await size in group { sizes.append(size) }
            return sizes
        }
        #expect(sizes.count == 64 && sizes.allSatisfy { $0 > 1_000 })
    }

    @Test("an asynchronous media test runs on threads that never exit, from its start and after every await")
    func asynchronousOnMediaThreads() async throws {
        #expect(Self.onMediaThread(), "started on \(Self.threadName)")
        var away = 0
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(1))
            if !Self.onMediaThread() { away += 1 }
            _ = try await Fixtures.runOffPool("true", [])
            if !Self.onMediaThread() { away += 1 }
        }
        #expect(away == 0, "resumed away from the media threads \(away) times in 40")
    }

    @Test("a synchronous media test runs on threads that never exit")
    func synchronousOnMediaThreads() {
        #expect(Self.onMediaThread(), "ran on \(Self.threadName)")
    }

    private static func onMediaThread() -> Bool {
        MediaThread.executor.isCurrentThread
    }

    /// The thread's own name and the kernel's, for a failure to say where it ran.
    private static var threadName: String {
        let kernel = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
        return "\(Thread.current.name ?? "(no name)") / kernel: \(kernel.trimmingCharacters(in: .whitespacesAndNewlines))"
    }
}
