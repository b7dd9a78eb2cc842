import Foundation
import Glibc
import Synchronization

/// Wakes the watcher when something changes in a folder tree: inotify on
/// Linux; where inotify cannot start (or polling is asked for: `watch --poll`,
/// for network folders inotify does not see), plain polling, the waits simply
/// running out. Owns the inotify descriptor.
final class FolderEvents: Sendable {
    private let descriptor: Int32
    private let watched = Mutex<Set<String>>([])

    init(folder: URL, polling: Bool) {
        descriptor = polling ? -1 : inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        watch(folder)
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Adds a folder (a new sub-folder of photos, say) to the watch.
    func watch(_ folder: URL) {
        guard descriptor >= 0 else { return }
        watched.withLock { watched in
            guard !watched.contains(folder.path) else { return }
            let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB)
            if inotify_add_watch(descriptor, folder.path, mask) >= 0 { watched.insert(folder.path) }
        }
    }

    /// Blocks until something changes or `timeout` passes; drains what
    /// arrived (the watcher rescans anyway). Call it from a thread of its own.
    @discardableResult
    func wait(timeout: Duration) -> Bool {
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard descriptor >= 0 else {
            usleep(UInt32(max(0, milliseconds)) * 1000)
            return false
        }
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, milliseconds)
        guard ready > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while read(descriptor, &buffer, buffer.count) > 0 {}
        return true
    }
}
