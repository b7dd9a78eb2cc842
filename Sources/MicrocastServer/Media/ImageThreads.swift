import MediaEngine
import NIOPosix

extension NIOThreadPool {
    /// Runs blocking work that may call libvips on this pool, then frees
    /// libvips's state for the thread (`Vips.releaseThreadState`): pools are
    /// shut down while other pools still work (tests, `withWorker`), and a
    /// thread must not exit holding libvips buffers.
    func runImageWork<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await runIfActive {
            defer { Vips.releaseThreadState() }
            return try work()
        }
    }
}
