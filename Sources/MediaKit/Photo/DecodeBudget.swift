import Dispatch
import Foundation
import MediaModel
import Synchronization

/// An allowance of decoder memory that cannot be streamed, shared by every
/// photo decode of a process (the composition root makes one).
///
/// Most photos decode a few rows at a time, but a progressive JPEG makes
/// libjpeg hold every coefficient of the whole image (about 144 MB for a
/// 48-megapixel 4:2:0 photo). Decodes reserve their estimate here first, so
/// several at once wait for each other instead of adding up; one larger than
/// the whole allowance runs alone.
public final class DecodeBudget: Sendable {
    /// The allowance a server uses: a few progressive photos at once.
    public static let defaultBytes = 320 << 20

    private let capacity: Int
    /// Bytes free, and the decodes waiting for more (each woken to look again when any are given back).
    private let state: Mutex<(available: Int, waiting: [DispatchSemaphore])>

    public init(bytes: Int = DecodeBudget.defaultBytes) {
        capacity = bytes
        state = Mutex((bytes, []))
    }

    /// Runs `body` once `bytes` (capped at the whole allowance) are free.
    /// Blocks the calling thread: call it from a worker thread only.
    func withReservation<T>(_ bytes: Int, _ body: () throws(MediaError) -> T) throws(MediaError) -> T {
        let reserved = min(max(0, bytes), capacity)
        guard reserved > 0 else { return try body() }
        while true {
            let wake = DispatchSemaphore(value: 0)
            let taken = state.withLock { state -> Bool in
                guard state.available >= reserved else {
                    state.waiting.append(wake)
                    return false
                }
                state.available -= reserved
                return true
            }
            if taken { break }
            wake.wait()
        }
        defer {
            let waiting = state.withLock { state -> [DispatchSemaphore] in
                state.available += reserved
                defer { state.waiting = [] }
                return state.waiting
            }
            for waiter in waiting { waiter.signal() }
        }
        return try body()
    }

    /// The unstreamable memory decoding the file at `path` needs.
    static func estimate(path: String) -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        // The frame header sits after EXIF and any embedded thumbnail: well within 256 KB.
        guard let head = try? handle.read(upToCount: 256 << 10), let header = JPEGHeader([UInt8](head)) else { return 0 }
        return header.coefficientBytes
    }
}
