import TestSupport

/// The media tests' actor: every suite that calls libvips or FFmpeg is
/// isolated to it, so its code runs on one thread that never exits, from a
/// test's start and after every await, as the product's engine calls run on
/// its `ImageThreads`. Swift's cooperative threads do exit when idle
/// (Dispatch retires them), and a thread that exits tears down libvips's
/// per-thread buffer cache under buffers still in use, which crashed the
/// media tests' process with SIGFPE in GLib's hash table. (A task executor
/// preference was tried first and seemed to let tests resume on cooperative
/// threads under load; that was judged by the threads' names, which a
/// loaded run showed are no witness: `DedicatedSerialExecutor.isCurrentThread`
/// tells by identity.)
@globalActor
actor MediaThread {
    static let shared = MediaThread()
    static let executor = DedicatedSerialExecutor(name: "test-media")
    nonisolated var unownedExecutor: UnownedSerialExecutor { Self.executor.asUnownedSerialExecutor() }
}
