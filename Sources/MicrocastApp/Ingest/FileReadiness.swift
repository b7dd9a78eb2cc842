import Foundation
import Glibc

/// Decides whether a dropped file is complete: nobody has it open for
/// writing, and it has not changed for a settling time (a sync client that
/// pauses between chunks still counts as writing).
struct FileReadiness: Sendable {
    var settle: TimeInterval

    /// Every path under `folder` that some process holds open with write
    /// access, read from /proc (the file descriptors and their open flags).
    /// Processes of other users are not visible and do not count.
    static func openForWriting(under folder: URL) -> Set<String> {
        let prefix = folder.standardizedFileURL.path + "/"
        var paths: Set<String> = []
        guard let processes = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        for pid in processes where pid.first?.isNumber == true {
            let fdFolder = "/proc/\(pid)/fd"
            guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: fdFolder) else { continue }
            for fd in descriptors {
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdFolder)/\(fd)"),
                    target.hasPrefix(prefix),
                    let info = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8),
                    let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags:") })
                        .flatMap({ Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) })
                else { continue }
                if flags & Int(O_ACCMODE) != Int(O_RDONLY) { paths.insert(target) }
            }
        }
        return paths
    }

    /// True when every file is unchanged for `settle` seconds and not open for writing.
    func isComplete(_ files: [URL], openForWriting: Set<String>, now: Date = Date()) -> Bool {
        files.allSatisfy { file in
            guard !openForWriting.contains(file.standardizedFileURL.path),
                let attributes = try? FileManager.default.attributesOfItem(atPath: file.path),
                let modified = attributes[.modificationDate] as? Date
            else { return false }
            return now.timeIntervalSince(modified) >= settle
        }
    }
}
