import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// Closes connections past a cap, so a flood of idle sockets cannot exhaust
/// file descriptors before the idle timeout reaps them. One handler per
/// connection; the count is shared.
final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    /// Connections open now, across the server.
    final class Counter: Sendable {
        let limit: Int
        private let open = NIOLockedValueBox(0)
        init(limit: Int) { self.limit = limit }
        /// Counts a new connection; false if it is one too many (and then not counted).
        func enter() -> Bool {
            open.withLockedValue { count in
                guard count < limit else { return false }
                count += 1
                return true
            }
        }
        func leave() { open.withLockedValue { $0 -= 1 } }
    }

    private let counter: Counter
    private var counted = false

    init(counter: Counter) { self.counter = counter }

    func handlerAdded(context: ChannelHandlerContext) {
        counted = counter.enter()
        if !counted { context.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if counted {
            counted = false
            counter.leave()
        }
    }
}
