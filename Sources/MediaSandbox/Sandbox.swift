import CSeccomp
import Glibc

/// What a media child gives up before it reads a byte of anyone's file: the
/// network, starting programs, tracing others, and memory and CPU time
/// beyond its limits. Entered once, irrevocably, by `microcast media-child`.
/// The only code that calls libseccomp.
public enum Sandbox {
    /// The resources a child may use.
    public struct Limits: Sendable, Codable, Equatable {
        /// Address space, bytes (`RLIMIT_AS`): a decoder that asks for more gets NULL and the child ends.
        public var memoryBytes: Int
        /// CPU seconds (`RLIMIT_CPU`) over the child's life: one that spins past it is killed and replaced.
        public var cpuSeconds: Int

        public init(memoryBytes: Int = 4 << 30, cpuSeconds: Int = 3600) {
            self.memoryBytes = memoryBytes
            self.cpuSeconds = cpuSeconds
        }
    }

    /// The sandbox could not be entered: the child must not go on.
    public struct Refused: Error, CustomStringConvertible {
        public let description: String
    }

    /// System calls that reach another machine or process, or start a program:
    /// a media child needs none of them, and answers each with `EACCES`.
    static let forbidden = [
        "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "sendto", "sendmsg", "sendmmsg",
        "recvfrom", "recvmsg", "recvmmsg", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
        "kill", "tkill",
    ]

    /// Applies the limits and the filter to this process and every thread it starts from now on.
    public static func enter(_ limits: Limits) throws {
        func limit(_ resource: __rlimit_resource, _ value: Int) throws {
            var bound = rlimit(rlim_cur: rlim_t(value), rlim_max: rlim_t(value))
            guard setrlimit(__rlimit_resource_t(resource.rawValue), &bound) == 0 else {
                throw Refused(description: "setrlimit: \(String(cString: strerror(errno)))")
            }
        }
        try limit(RLIMIT_AS, limits.memoryBytes)
        try limit(RLIMIT_CPU, limits.cpuSeconds)
        try limit(RLIMIT_CORE, 0)
        let allow: UInt32 = 0x7fff_0000  // SCMP_ACT_ALLOW
        let refuse: UInt32 = 0x0005_0000 | UInt32(EACCES)  // SCMP_ACT_ERRNO(EACCES)
        // seccomp_load also sets no_new_privs (libseccomp's default), so nothing
        // the child runs can gain privileges the filter would not bind.
        guard let filter = seccomp_init(allow) else { throw Refused(description: "seccomp_init failed") }
        defer { seccomp_release(filter) }
        for name in forbidden {
            let number = seccomp_syscall_resolve_name(name)
            // A call this architecture does not have needs no rule.
            guard number != __NR_SCMP_ERROR else { continue }
            guard seccomp_rule_add_array(filter, refuse, number, 0, nil) == 0 else {
                throw Refused(description: "seccomp rule for \(name) failed")
            }
        }
        let loaded = seccomp_load(filter)
        guard loaded == 0 else { throw Refused(description: "seccomp_load: \(String(cString: strerror(-loaded)))") }
    }

    /// Whether this process may open a socket now (the sandbox's own check, and the tests').
    public static func canOpenSocket() -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        close(descriptor)
        return true
    }
}
