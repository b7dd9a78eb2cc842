import Foundation
import NIOPosix

/// The threads that run libvips and FFmpeg work: two process-wide pools,
/// one for the request path (upload inspection, sign-in hashing) and one for
/// media jobs, started once and never shut down.
///
/// libvips keeps a buffer cache per thread, and buffers made on one thread
/// can still be released from another (its own workers, a later unref). When
/// a thread's cache was torn down (the thread exited, or called
/// `vips_thread_shutdown`) while such a buffer lived, GLib's hash table was
/// read after free: CI saw it as SIGFPE in `g_hash_table_lookup` and as
/// "malloc_consolidate(): unaligned fastbin chunk", always on a pool
/// thread, more often once we called `vips_thread_shutdown` after every piece
/// of work. Threads that never exit never tear their cache down. The test
/// suite starts and stops hundreds of servers in one process; they now share
/// these threads instead of each starting and stopping pools of their own.
enum ImageThreads {
    static let requests = started(2)
    static let jobs = started(max(4, ProcessInfo.processInfo.activeProcessorCount))

    private static func started(_ count: Int) -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: count)
        pool.start()
        return pool
    }
}

extension NIOThreadPool {
    /// Runs blocking work that may call libvips or FFmpeg on this pool.
    package func runImageWork<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await runIfActive(work)
    }
}
