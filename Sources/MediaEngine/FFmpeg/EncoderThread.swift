import CFFmpeg
import Dispatch
import Foundation
import MediaModel
import Synchronization

/// One output's filter graph and encoder, run on a thread of its own, fed
/// with decoded frames by the thread that decodes. An episode decodes once
/// and encodes its MP3 and M4A side by side, one core each.
///
/// Ownership: `send` queues a new reference to the frame (`av_frame_clone`,
/// which shares the decoded buffers); the encoding thread frees it once
/// `body` has used it. `body`, and everything it touches, is handed to that
/// thread at start (`sending`) and belongs to it alone. What the two
/// threads share is the queue, behind a `Mutex`, and three counting
/// semaphores: frames waiting, room for more, and the end.
public final class EncoderThread: Sendable {
    public typealias Body = (Frame?) throws(MediaError) -> Void

    /// The frames waiting, by address (each owned by whoever holds its
    /// address: the queue, then the encoding thread; nil ends the stream and the
    /// body is then called with nil, to flush), and the encoder's error.
    private struct Shared: ~Copyable {
        var queue: [UInt?] = []
        var failure: MediaError?
    }

    private let shared = Mutex(Shared())
    /// Frames waiting at most: bounds memory when the encoder is the slower side.
    private static let capacity = 32
    private let waiting = DispatchSemaphore(value: 0)
    private let room = DispatchSemaphore(value: EncoderThread.capacity)
    private let finished = DispatchSemaphore(value: 0)

    public init(name: String, body: @escaping Body) {
        // The body owns an encoder's C state; from here on only the new thread
        // touches it (the caller keeps no other way to reach it), which the
        // compiler cannot see through the C pointers: said here, once.
        nonisolated(unsafe) let body = body
        let thread = Thread { [self] in self.run(body) }
        thread.name = name
        thread.start()
    }

    /// Queues `frame` for the encoder, waiting while the queue is full.
    /// Throws the encoder's error once it has failed.
    public func send(_ frame: Frame) throws(MediaError) {
        // A failed encoder still takes frames off the queue (and drops them), so there is always room again.
        room.wait()
        if let failure = shared.withLock({ $0.failure }) {
            room.signal()
            throw failure
        }
        guard let reference = av_frame_clone(frame.pointer) else {
            room.signal()
            throw .engine("out of memory")
        }
        // Handed to the encoding thread, which frees it (even if it fails meanwhile).
        let address = UInt(bitPattern: reference)
        shared.withLock { $0.queue.append(address) }
        waiting.signal()
    }

    /// Ends the stream, waits for the encoder to flush and finish, and
    /// returns its error, if any.
    public func close() -> MediaError? {
        shared.withLock { $0.queue.append(nil) }
        waiting.signal()
        finished.wait()
        return shared.withLock { $0.failure }
    }

    private func run(_ body: Body) {
        while true {
            waiting.wait()
            let (address, failed) = shared.withLock { shared in (shared.queue.removeFirst(), shared.failure != nil) }
            var frame = address.flatMap { UnsafeMutablePointer<AVFrame>(bitPattern: $0) }
            let isEnd = address == nil
            if !isEnd { room.signal() }
            if !failed {
                do {
                    try body(frame.map(Frame.init))
                } catch {
                    shared.withLock { $0.failure = error }
                }
            }
            if frame != nil { av_frame_free(&frame) }
            if isEnd {
                finished.signal()
                return
            }
        }
    }
}
