import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Names for files being written, which say who writes them: a temporary
/// carries its writer's host and process id, so the next start of the service
/// can remove what a killed process left at once, instead of waiting until
/// the file looks abandoned. A writer on another machine (workers sharing a
/// data folder) or a process that is still alive is never second-guessed.
public enum TemporaryName {
    /// `STEM.RANDOM@w-HOST-PID.EXTENSION`, HOST a short hash of this machine's name.
    public static func make(_ stem: String, extension fileExtension: String) -> String {
        let random = UUID().uuidString.lowercased().prefix(13)
        return "\(stem).\(random)@w-\(hostTag)-\(getpid()).\(fileExtension)"
    }

    /// Whether `name` was written by a process on this machine that has since
    /// ended; false when the name carries no writer or the writer may be alive.
    public static func writerHasEnded(_ name: String) -> Bool {
        guard let writer = writer(of: name), writer.host == hostTag else { return false }
        // Signal 0 asks only whether the process exists; EPERM means it does.
        return kill(writer.pid, 0) != 0 && errno == ESRCH
    }

    /// The host tag and process id a temporary name carries.
    public static func writer(of name: String) -> (host: String, pid: pid_t)? {
        guard let marker = name.range(of: "@w-", options: .backwards) else { return nil }
        let fields = name[marker.upperBound...].split(separator: ".", maxSplits: 1).first?.split(separator: "-") ?? []
        guard fields.count == 2, let pid = pid_t(fields[1]), pid > 0 else { return nil }
        return (String(fields[0]), pid)
    }

    /// FNV-1a of the host name, in hex: short, and free of the dots and dashes names have.
    public static let hostTag: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var hash: UInt32 = 2_166_136_261
        for byte in host.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return String(hash, radix: 16)
    }()
}
