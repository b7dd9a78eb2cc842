import Glibc

/// Media jobs run at a lower CPU priority than the request path. Their
/// encoders (x264, libaom, libvips) start threads of their own that keep
/// both cores busy; at equal priority an upload's inspection got a third of
/// a core and answered in 1.3 s instead of 0.3 s (`bench uploads`).
enum BackgroundPriority {
    /// The nice value of media threads: the request path wins the CPU when it
    /// needs it, and media work takes everything else.
    static let niceness: Int32 = 10

    /// Lowers the calling thread's priority. On Linux the nice value belongs
    /// to each thread (`who` 0 is the calling thread), and threads it starts
    /// inherit it. Priorities only go down, so repeating this costs nothing.
    static func lowerCurrentThread() {
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
    }
}
