import Foundation
import Glibc
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TestSupport

/// Another site on the internet, played by a small Hummingbird server on
/// loopback: pages that link (or do not), Webmention endpoints that record
/// what they receive, redirects, oversized answers.
struct PeerServer: Sendable {
    let base: String
    let received: Received

    /// What the peer's endpoints were sent.
    actor Received {
        struct Post: Sendable {
            var path: String
            var query: String?
            var form: [String: String]
        }
        private(set) var posts: [Post] = []
        func add(_ post: Post) { posts.append(post) }
    }

    /// - Parameter address: where it listens; any of loopback's 127.0.0.0/8, so
    ///   that two peers can be two different machines to the server.
    static func run(
        address: String = "127.0.0.1",
        routes: @Sendable (Router<BasicRequestContext>, _ base: String, _ received: Received) -> Void,
        body: (PeerServer) async throws -> Void
    ) async throws {
        let (port, reservation) = try reservePort(address: address)
        let base = "http://\(address):\(port)"
        let received = Received()
        let router = Router()
        routes(router, base, received)
        var logger = Logger(label: "peer")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname(address, port: port)), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask(executorPreference: DedicatedExecutor.servers) { try await group.run() }
            defer { close(reservation) }
            let peer = PeerServer(base: base, received: received)
            for _ in 0..<200 {
                if (try? await TestSite.client.execute(.init(url: base + "/"), timeout: .seconds(2))) != nil { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            do {
                try await body(peer)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// An endpoint that records the form it is sent and answers 202.
    static func recordingEndpoint(_ received: Received) -> @Sendable (Request, BasicRequestContext) async throws -> Response {
        { request, _ in
            let body = try await request.body.collect(upTo: 1 << 16)
            var form: [String: String] = [:]
            for pair in String(buffer: body).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                form[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            await received.add(.init(path: request.uri.path, query: request.uri.query, form: form))
            return Response(status: .accepted)
        }
    }

    static func html(_ body: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: "<!doctype html><title>Peer</title>" + body)))
    }
}

/// A listener that only counts the connections it is offered: proof that a
/// refused fetch never connected.
final class ConnectionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var channels: [any Channel] = []
    private(set) var ports: [String: Int] = [:]

    var connections: Int { lock.withLock { count } }

    /// Listens on 127.0.0.1 and ::1.
    init() throws {
        for host in ["127.0.0.1", "::1"] {
            let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { [weak self] channel in
                    self?.lock.withLock { self?.count += 1 }
                    return channel.close()
                }
            let channel = try bootstrap.bind(host: host, port: 0).wait()
            channels.append(channel)
            ports[host] = channel.localAddress?.port
        }
    }

    func close() {
        for channel in channels { try? channel.close().wait() }
    }

    /// One TCP connection to 127.0.0.1:`port`, closed at once.
    static func connect(port: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw Fixtures.CommandFailed(description: "could not connect to the counter: errno \(errno)") }
    }
}
