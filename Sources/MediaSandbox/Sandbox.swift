import CLandlock
import CSeccomp
import Glibc

/// What a media child gives up before it reads a byte of anyone's file: the
/// network, starting programs, tracing others, every file but the media
/// folders it works in and the system's own, and memory and CPU time beyond
/// its limits. Entered once, irrevocably, by `microcast media-child`. The
/// only code that calls libseccomp and Landlock.
public enum Sandbox {
    /// The resources a child may use.
    public struct Limits: Sendable, Codable, Equatable {
        /// Address space, bytes (`RLIMIT_AS`): a decoder that asks for more gets NULL and the child ends.
        /// 0 sets none (AddressSanitizer's builds reserve terabytes they never touch).
        public var memoryBytes: Int
        /// CPU seconds (`RLIMIT_CPU`) over the child's life: one that spins past it is killed and replaced.
        public var cpuSeconds: Int

        public init(memoryBytes: Int = 4 << 30, cpuSeconds: Int = 3600) {
            self.memoryBytes = memoryBytes
            self.cpuSeconds = cpuSeconds
        }
    }

    /// The files a child may open: the system's (libraries, configuration,
    /// `/proc`, `/dev`) to read, and the media folders it is given. Anything
    /// else (the database beside the media, the owner's other files) it
    /// cannot open at all, so a decoder subverted by a file cannot copy them
    /// into what it writes.
    public struct Files: Sendable, Codable, Equatable {
        /// Folders whose files it reads, or single files (a job's original).
        public var readable: [String]
        /// Folders it reads and writes files in (renditions, public copies, its temporary folder).
        public var writable: [String]

        public init(readable: [String] = [], writable: [String] = []) {
            self.readable = readable
            self.writable = writable
        }

        /// What every process needs to read: its libraries and their configuration.
        static let system = ["/usr", "/lib", "/lib64", "/etc", "/proc", "/sys", "/dev", "/run"]
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

    /// Applies the limits, the file rules (when `files` is given and the
    /// kernel has Landlock) and the system-call filter to this process and
    /// every thread it has or starts.
    public static func enter(_ limits: Limits, files: Files? = nil) throws {
        func limit(_ resource: __rlimit_resource, _ value: Int) throws {
            var bound = rlimit(rlim_cur: rlim_t(value), rlim_max: rlim_t(value))
            guard setrlimit(__rlimit_resource_t(resource.rawValue), &bound) == 0 else {
                throw Refused(description: "setrlimit: \(String(cString: strerror(errno)))")
            }
        }
        if limits.memoryBytes > 0 { try limit(RLIMIT_AS, limits.memoryBytes) }
        try limit(RLIMIT_CPU, limits.cpuSeconds)
        try limit(RLIMIT_CORE, 0)
        // Before the filter, which would not let Landlock's own calls through `no_new_privs` twice.
        guard microcast_no_new_privs() == 0 else { throw Refused(description: "no_new_privs: \(String(cString: strerror(errno)))") }
        if let files { try restrict(to: files) }
        let allow: UInt32 = 0x7fff_0000  // SCMP_ACT_ALLOW
        let refuse: UInt32 = 0x0005_0000 | UInt32(EACCES)  // SCMP_ACT_ERRNO(EACCES)
        guard let filter = seccomp_init(allow) else { throw Refused(description: "seccomp_init failed") }
        defer { seccomp_release(filter) }
        // Every thread, not only this one: the runtime's threads exist already.
        guard seccomp_attr_set(filter, SCMP_FLTATR_CTL_TSYNC, 1) == 0 else { throw Refused(description: "seccomp: no thread synchronisation") }
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

    /// Landlock: the file rights this kernel can take away, by ABI version
    /// (1: the basic thirteen; 2: renaming across folders; 3: truncating;
    /// 5: device ioctls).
    static func handledRights(abi: Int32) -> UInt64 {
        switch abi {
        case ..<1: 0
        case 1: (1 << 13) - 1
        case 2: (1 << 14) - 1
        case 3, 4: (1 << 15) - 1
        default: (1 << 16) - 1
        }
    }

    static let execute: UInt64 = 1 << 0
    static let writeFile: UInt64 = 1 << 1
    static let readFile: UInt64 = 1 << 2
    static let readDirectory: UInt64 = 1 << 3
    static let removeFile: UInt64 = 1 << 5
    static let makeRegular: UInt64 = 1 << 8
    static let truncate: UInt64 = 1 << 14
    static let ioctlDevice: UInt64 = 1 << 15

    /// The Landlock ABI this kernel offers (0: none).
    public static var landlockVersion: Int32 { max(0, microcast_landlock_abi()) }

    /// Binds this process to `files`. Without Landlock (before Linux 5.13,
    /// or turned off) it goes on without, as the seccomp filter still holds;
    /// `--check` says which.
    ///
    /// Landlock binds the calling thread and the threads it starts from now
    /// on, not threads that exist already: `media-child` enters the sandbox
    /// from its main thread before the libraries or the runtime start any.
    static func restrict(to files: Files) throws {
        let handled = handledRights(abi: microcast_landlock_abi())
        guard handled != 0 else { return }
        let ruleset = microcast_landlock_create(handled)
        guard ruleset >= 0 else { throw Refused(description: "landlock: \(String(cString: strerror(errno)))") }
        defer { close(ruleset) }
        let read = readFile | readDirectory
        let write = read | writeFile | makeRegular | removeFile | truncate
        let rules = Files.system.map { ($0, read | execute) } + files.readable.map { ($0, read) } + files.writable.map { ($0, write) }
        for (path, rights) in rules {
            let folder = microcast_open_for_rule(path)
            // A system folder this machine does not have needs no rule.
            guard folder >= 0 else {
                if Files.system.contains(path) { continue }
                throw Refused(description: "landlock: \(path): \(String(cString: strerror(errno)))")
            }
            defer { close(folder) }
            // A rule on a file takes only the rights a file has (a folder's are refused as invalid).
            var status = stat()
            let isFolder = fstat(folder, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
            let fileRights = execute | writeFile | readFile | truncate | ioctlDevice
            guard microcast_landlock_allow(ruleset, folder, rights & handled & (isFolder ? ~0 : fileRights)) == 0 else {
                throw Refused(description: "landlock rule for \(path): \(String(cString: strerror(errno)))")
            }
        }
        guard microcast_landlock_restrict(ruleset) == 0 else { throw Refused(description: "landlock: \(String(cString: strerror(errno)))") }
    }

    /// Whether this process can open `path` for reading now (the sandbox's check, and the tests').
    public static func canRead(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        close(descriptor)
        return true
    }

    /// Threads this process has now (`/proc/self/task`).
    public static func threadCount() -> Int {
        guard let folder = opendir("/proc/self/task") else { return 0 }
        defer { closedir(folder) }
        var count = 0
        while let entry = readdir(folder) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count
    }

    /// Whether this process may open a socket now (the sandbox's own check, and the tests').
    public static func canOpenSocket() -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        close(descriptor)
        return true
    }
}
