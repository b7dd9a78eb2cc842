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
        // A task of its own that prefers those threads starts on one of them
        // (a preference pushed onto the running task takes effect only at its
        // next suspension, so a test could begin on a cooperative thread) and
        // resumes on one after every await. Task locals, such as the running
        // test, come along. The task is awaited, so `function` never outlives this call.
        try await withoutActuallyEscaping(function) { function in
            try await Task(executorPreference: DedicatedExecutor.media) { try await function() }.value
        }
    }
}

extension Trait where Self == OnMediaThreads {
    /// Every test of the suite on threads that never exit.
    static var onMediaThreads: Self { Self() }
}
