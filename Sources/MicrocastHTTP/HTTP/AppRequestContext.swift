import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's basics plus the peer's
/// address, which sign-in throttling keys on.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
