import AsyncHTTPClient
import Foundation
import MicrocastCore
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// What the service may fetch from the internet, and how long it waits.
public struct FetchPolicy: Sendable {
    /// Loopback and private addresses; for tests on one machine only (`--allow-private-fetch`).
    public var allowPrivateAddresses = false
    public var maxRedirects = 5
    public var connectTimeout: TimeAmount = .seconds(5)
    /// For the whole fetch: every redirect, the body, the name lookups.
    public var totalTimeout: Duration = .seconds(15)
    public var maxBodyBytes = 1 << 20
    /// Names Microcast and the site, so a receiver knows who is calling.
    public var userAgent: String

    public init(userAgent: String, allowPrivateAddresses: Bool = false) {
        self.userAgent = userAgent
        self.allowPrivateAddresses = allowPrivateAddresses
    }

    public static func userAgent(site: String) -> String { "Microcast/1 (+\(site))" }
}

/// A page or file fetched, after redirects.
public struct FetchedResource: Sendable {
    /// Where it was finally found.
    public var url: URL
    public var status: Int
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public var contentType: String { headers.first(name: "content-type")?.lowercased() ?? "" }
    public var isHTML: Bool { contentType.contains("text/html") || contentType.contains("application/xhtml") }
    public var text: String { String(buffer: body) }
}

/// Why a fetch did not happen or did not finish.
public enum FetchError: Error, Equatable, CustomStringConvertible {
    case unsupportedURL(String)
    case unresolvable(host: String)
    case refusedAddress(host: String, address: String, reason: String)
    case tooManyRedirects(Int)
    case tooLarge(limit: Int)
    case timedOut
    case failed(String)

    /// What a stranger is told of any fetch that did not succeed: nothing
    /// about our network, nor whether a name was refused or timed out.
    public static let publicReason = "the source could not be fetched"

    public var description: String {
        switch self {
        case .unsupportedURL(let url): "only http and https URLs are fetched (\(url))"
        case .unresolvable(let host): "\(host) does not resolve"
        case .refusedAddress(let host, let address, let reason):
            // An address given as the host is not "at" itself.
            host == address || host == "[\(address)]" ? "\(address) is \(reason): not fetched" : "\(host) is at \(address), \(reason): not fetched"
        case .tooManyRedirects(let limit): "more than \(limit) redirects"
        case .tooLarge(let limit): "larger than \(limit / 1024) KB"
        case .timedOut: "no complete answer in time"
        case .failed(let reason): reason
        }
    }
}

/// The service's one way out to the internet (AsyncHTTPClient underneath):
/// http and https only, at most five redirects each checked again, bounded
/// time and size, and never a connection to a non-public address.
///
/// The address is checked where it matters: each hop's host is resolved
/// here, every address it resolves to must be public, and the connection is
/// pinned to the checked address (AsyncHTTPClient's `dnsOverride`, which
/// keeps TLS verifying the host's own name). A name that resolves to a
/// public address for the check and a private one for the connection (DNS
/// rebinding) therefore cannot reach the private one: there is no second lookup.
public struct SafeFetcher: Sendable {
    public let policy: FetchPolicy
    let group: any EventLoopGroup
    /// Name lookups block (getaddrinfo): they run on its threads, never on an
    /// event loop or Swift's pool, and are given up at its deadline.
    public let resolver: NameResolver
    let metrics: ServiceMetrics

    public init(
        policy: FetchPolicy,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        resolver: NameResolver,
        metrics: ServiceMetrics = .none
    ) {
        self.policy = policy
        self.group = group
        self.resolver = resolver
        self.metrics = metrics
    }

    /// The same fetcher with room for a larger answer and more time (a podcast's whole feed).
    public func allowing(bodyBytes: Int, time: Duration) -> SafeFetcher {
        var policy = self.policy
        policy.maxBodyBytes = bodyBytes
        policy.totalTimeout = time
        return SafeFetcher(policy: policy, group: group, resolver: resolver, metrics: metrics)
    }

    /// GET, following redirects; `headers` go with every hop (a conditional
    /// request's `If-None-Match` and `If-Modified-Since`).
    public func get(
        _ url: URL,
        accept: String = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
        headers: [String: String] = [:]
    ) async throws -> FetchedResource {
        try await withDeadline {
            var current = url
            for _ in 0...policy.maxRedirects {
                let answer = try await once(.GET, current, headers: headers.merging(["Accept": accept]) { _, accept in accept }, body: nil)
                guard (300..<400).contains(answer.status), answer.status != 304, let location = answer.headers.first(name: "location") else {
                    return answer
                }
                guard let next = URL(string: location, relativeTo: current)?.absoluteURL else {
                    throw FetchError.failed("a redirect to an unreadable location: \(location)")
                }
                current = next
            }
            throw FetchError.tooManyRedirects(policy.maxRedirects)
        }
    }

    /// POST a form, without following redirects (a Webmention endpoint's answer is its status).
    public func postForm(_ url: URL, fields: [(String, String)]) async throws -> FetchedResource {
        try await withDeadline {
            let body = fields.map { "\(FormEncoding.escape($0.0))=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
            return try await once(.POST, url, headers: ["Content-Type": "application/x-www-form-urlencoded"], body: .text(body))
        }
    }

    /// One request to an API (a network's REST or XRPC endpoint), its
    /// answer whatever the status, without following redirects; bounded by
    /// the request's own time and answer size.
    public func send(_ request: OutboundRequest) async throws -> FetchedResource {
        try await withDeadline(request.timeout ?? policy.totalTimeout) {
            try await once(
                request.method,
                request.url,
                headers: request.headers,
                body: request.body,
                maxBodyBytes: request.maxAnswerBytes ?? policy.maxBodyBytes
            )
        }
    }

    func once(
        _ method: HTTPMethod,
        _ url: URL,
        headers: [String: String],
        body: OutboundBody?,
        maxBodyBytes: Int? = nil
    ) async throws -> FetchedResource {
        let limit = maxBodyBytes ?? policy.maxBodyBytes
        return try await exchange(method, url, headers: headers, body: body) { response in
            let bytes: ByteBuffer
            do {
                bytes = try await response.body.collect(upTo: limit)
            } catch is NIOTooManyBytesError {
                throw FetchError.tooLarge(limit: limit)
            }
            return FetchedResource(url: url, status: Int(response.status.code), headers: response.headers, body: bytes)
        }
    }

    /// One request to a checked address; `read` takes the answer (its body
    /// unread) before the connection is closed. Counted once, by how it ended:
    /// the answer's status class once it is read, else what stopped it.
    func exchange<T: Sendable>(
        _ method: HTTPMethod,
        _ url: URL,
        headers: [String: String],
        body: OutboundBody?,
        read: (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        do {
            let (result, status) = try await uncounted(method, url, headers: headers, body: body) { response in
                (try await read(response), response.status.code)
            }
            metrics.fetched(outcome: "\(status / 100)xx")
            return result
        } catch {
            metrics.fetched(outcome: Self.outcome(of: error))
            throw error
        }
    }

    /// The `outcome` label of a fetch that ended without a read answer.
    static func outcome(of error: any Error) -> String {
        switch error as? FetchError {
        case .unsupportedURL, .refusedAddress: "refused"
        case .unresolvable: "unresolvable"
        case .timedOut: "timed out"
        case .tooLarge: "too large"
        case .tooManyRedirects, .failed, nil: "failed"
        }
    }

    func uncounted<T: Sendable>(
        _ method: HTTPMethod,
        _ url: URL,
        headers: [String: String],
        body: OutboundBody?,
        read: (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw FetchError.unsupportedURL(url.absoluteString)
        }
        let address = try await checkedAddress(host: host)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: policy.connectTimeout),
            decompression: .disabled
        )
        // The client serves one request and is shut down, but its pool's idle
        // timer (60 s by default) keeps the pool alive until it fires: at 600
        // polls a second that held 8 KB a request for a minute (`bench follow`:
        // 106 → 192 MB in a debug build; with this, flat at 109 MB).
        configuration.connectionPool = .init(idleTimeout: .seconds(1))
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if AddressPolicy.Address(bare) == nil { configuration.dnsOverride = [host: address.description] }
        let client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
        do {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = method
            request.headers.add(name: "User-Agent", value: policy.userAgent)
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = try body.requestBody() }
            // The deadline around the whole fetch (`withDeadline`) is what ends it.
            let response = try await client.execute(request, timeout: .hours(1))
            let result = try await read(response)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            if let known = error as? FetchError { throw known }
            if let client = error as? HTTPClientError, client == .deadlineExceeded || client == .connectTimeout || client == .readTimeout {
                throw FetchError.timedOut
            }
            throw FetchError.failed("\(host): \(error)")
        }
    }

    /// The address to connect to: every address the host resolves to must be public (unless allowed).
    func checkedAddress(host: String) async throws -> AddressPolicy.Address {
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        let addresses: [AddressPolicy.Address]
        if let literal = AddressPolicy.Address(bare) {
            addresses = [literal]
        } else {
            addresses = try await resolver.addresses(of: bare)
        }
        // IPv4 first: a name like localhost answers ::1 too, and a server may listen on one family only.
        let ordered = addresses.filter { if case .v4 = $0 { true } else { false } } + addresses.filter { if case .v6 = $0 { true } else { false } }
        guard let first = ordered.first else { throw FetchError.unresolvable(host: host) }
        if !policy.allowPrivateAddresses {
            for address in addresses {
                if let reason = AddressPolicy.refusal(address) {
                    throw FetchError.refusedAddress(host: host, address: address.description, reason: reason)
                }
            }
        }
        return first
    }

    /// Ends the whole fetch at the policy's total time, whatever step it is in.
    func withDeadline<T: Sendable>(_ limit: Duration? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = limit ?? policy.totalTimeout
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw FetchError.timedOut }
            return value
        }
    }
}

extension SafeFetcher {
    /// A fetcher for one command's life (`microcast syndicate add`), its
    /// name lookups on threads of its own, stopped after `body`.
    public static func whileRunning<T: Sendable>(
        policy: FetchPolicy,
        _ body: (SafeFetcher) async throws -> T
    ) async throws -> T {
        let threads = NIOThreadPool(numberOfThreads: 2)
        threads.start()
        let fetcher = SafeFetcher(policy: policy, resolver: NameResolver(threads: threads))
        do {
            let result = try await body(fetcher)
            try? await threads.shutdownGracefully()
            return result
        } catch {
            try? await threads.shutdownGracefully()
            throw error
        }
    }
}
