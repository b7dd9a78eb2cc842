import Foundation
import Glibc

/// Programs started without Foundation's `Process`, for tools that leave a
/// daemon behind.
public enum Spawn {
    /// Runs a program to its end with its output appended to `FOLDER/tools.log`. Spawned with every other descriptor closed: a daemon
    /// that `pg_ctl` or `nginx` leaves running must not hold a pipe some test is reading
    /// (Foundation's `Process` lets such descriptors leak into it).
    public static func run(_ argv: [String], log folder: URL) async throws {
        let logPath = folder.appendingPathComponent("tools.log").path
        try await Fixtures.offPool {
            let pid = try start(argv, logPath: logPath, searchingPath: false)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            guard status == 0 else {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw Fixtures.CommandFailed(description: "\(argv.joined(separator: " ")) failed (\(status)): \(log.suffix(2000))")
            }
        }
    }

    /// Starts a server program found on `PATH`, its output appended to
    /// `FOLDER/tools.log`, and returns its process id without waiting for it.
    public static func background(_ argv: [String], log folder: URL) throws -> pid_t {
        try start(argv, logPath: folder.appendingPathComponent("tools.log").path, searchingPath: true)
    }

    /// Spawns `argv` with no input, its output appended to `logPath`, every other descriptor closed.
    private static func start(_ argv: [String], logPath: String, searchingPath: Bool) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        _ = closeFrom(&actions, 3)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned =
            searchingPath
            ? posix_spawnp(&pid, argv[0], &actions, nil, &cArguments, environ) : posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw Fixtures.CommandFailed(description: "\(argv[0]) could not start: \(String(cString: strerror(spawned)))") }
        return pid
    }

    /// `count` distinct free loopback ports, held open together while chosen
    /// (so none is handed out twice), closed before they are returned.
    public static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        return try (0..<count).map { _ in
            let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            sockets.append(socketFD)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0 }
            }
            guard bound else { throw Fixtures.CommandFailed(description: "no free loopback port") }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, which Swift's
    /// Glibc module does not import.
    private static let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed to start PostgreSQL for the tests")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

}
