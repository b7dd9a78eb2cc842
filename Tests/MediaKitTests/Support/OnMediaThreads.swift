import TestSupport
import Testing

/// Runs every test of a suite on `DedicatedExecutor.media`, threads that
/// never exit, so the engine calls a test makes directly meet libvips as the
/// product's do on `ImageThreads`.
struct OnMediaThreads: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(DedicatedExecutor.media) { try await function() }
    }
}

extension Trait where Self == OnMediaThreads {
    /// Every test of the suite on threads that never exit.
    static var onMediaThreads: Self { Self() }
}
