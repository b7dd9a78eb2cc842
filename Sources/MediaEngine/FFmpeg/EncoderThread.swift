import CFFmpeg
import Foundation
import MediaModel

/// One output's filter graph and encoder, run on a thread of its own, fed
/// with decoded frames by the thread that decodes. An episode decodes once
/// and encodes its MP3 and M4A side by side, one core each.
///
/// Ownership: `send` queues a new reference to the frame (`av_frame_clone`,
/// which shares the decoded buffers); this thread frees it once `body` has
/// used it. `body` and everything it touches belong to this thread alone
/// until `close` returns, which is why the class may cross to that thread;
/// the queue is shared with the decoding thread under the condition's lock
/// (which it also waits on: a Mutex cannot be waited on).
public final class EncoderThread: @unchecked Sendable {
    public typealias Body = (Frame?) throws(MediaError) -> Void

    private let condition = NSCondition()
    /// nil ends the stream (the body is then called with nil, to flush).
    private var queue: [UnsafeMutablePointer<AVFrame>?] = []
    /// Frames waiting at most: bounds memory when the encoder is the slower side.
    private let capacity = 32
    private var failure: MediaError?
    private var done = false
    private let body: Body

    public init(name: String, body: @escaping Body) {
        self.body = body
        let thread = Thread { [self] in self.run() }
        thread.name = name
        thread.start()
    }

    /// Queues `frame` for the encoder, waiting while the queue is full.
    /// Throws the encoder's error once it has failed.
    public func send(_ frame: Frame) throws(MediaError) {
        guard let reference = av_frame_clone(frame.pointer) else { throw .engine("out of memory") }
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= capacity && failure == nil { condition.wait() }
        if let failure {
            var unused: UnsafeMutablePointer<AVFrame>? = reference
            av_frame_free(&unused)
            throw failure
        }
        queue.append(reference)
        condition.broadcast()
    }

    /// Ends the stream, waits for the encoder to flush and finish, and
    /// returns its error, if any.
    public func close() -> MediaError? {
        condition.lock()
        defer { condition.unlock() }
        queue.append(nil)
        condition.broadcast()
        while !done { condition.wait() }
        return failure
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            var frame = queue.removeFirst()
            let failed = failure != nil
            condition.broadcast()
            condition.unlock()

            let isEnd = frame == nil
            if !failed {
                do {
                    try body(frame.map(Frame.init))
                } catch {
                    condition.lock()
                    failure = error
                    condition.broadcast()
                    condition.unlock()
                }
            }
            if frame != nil { av_frame_free(&frame) }
            if isEnd {
                condition.lock()
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }
}
