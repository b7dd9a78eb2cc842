import Foundation
import MicrocastCore
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Name lookups for outbound fetches, with a deadline that really stops the
/// waiting. `getaddrinfo` blocks and cannot be interrupted: a name server that
/// never answers would hold the thread it runs on, and anyone awaiting it,
/// for as long as the C library's own retries last. Here the caller stops
/// waiting at the deadline while the lookup finishes (or not) on its thread,
/// and lookups waiting at once are capped, so slow names pin a few threads
/// and no memory, and every other fetch goes on.
public struct NameResolver: Sendable {
    /// The blocking lookup itself: the system's `getaddrinfo` unless a test supplies another.
    public typealias Lookup = @Sendable (_ host: String) -> [AddressPolicy.Address]

    let threads: NIOThreadPool
    let lookup: Lookup
    let deadline: Duration
    let maxWaiting: Int
    private let waiting = Counter()

    final class Counter: Sendable {
        private let value = Mutex(0)
        /// Takes a place if fewer than `limit` are taken.
        func take(limit: Int) -> Bool {
            value.withLock { count in
                guard count < limit else { return false }
                count += 1
                return true
            }
        }
        func give() { value.withLock { $0 -= 1 } }
        var current: Int { value.withLock { $0 } }
    }

    public init(threads: NIOThreadPool, deadline: Duration = .seconds(5), maxWaiting: Int = 32, lookup: @escaping Lookup = NameResolver.system) {
        self.threads = threads
        self.deadline = deadline
        self.maxWaiting = maxWaiting
        self.lookup = lookup
    }

    /// Lookups that have not yet returned, abandoned or not.
    public var unfinished: Int { waiting.current }

    /// The addresses `host` resolves to; `FetchError.timedOut` at the deadline,
    /// or at once when too many lookups are already outstanding.
    public func addresses(of host: String) async throws -> [AddressPolicy.Address] {
        guard waiting.take(limit: maxWaiting) else { throw FetchError.timedOut }
        let answered = Once()
        let (lookup, waiting) = (self.lookup, self.waiting)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[AddressPolicy.Address], any Error>) in
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(Int64(deadline.milliseconds * 1_000_000))) {
                if answered.claim() { continuation.resume(throwing: FetchError.timedOut) }
            }
            threads.submit { state in
                defer { waiting.give() }
                let found = state == .active ? lookup(host) : []
                timer.cancel()
                if answered.claim() { continuation.resume(returning: found) }
            }
        }
    }

    /// True the first time only: whoever claims it resumes the continuation.
    final class Once: Sendable {
        private let done = Mutex(false)
        func claim() -> Bool {
            done.withLock { done in
                defer { done = true }
                return !done
            }
        }
    }

    /// `getaddrinfo`, every address of both families.
    public static let system: Lookup = { host in
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let list else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [AddressPolicy.Address] = []
        var next: UnsafeMutablePointer<addrinfo>? = list
        while let entry = next {
            if let socket = entry.pointee.ai_addr {
                switch Int32(socket.pointee.sa_family) {
                case AF_INET:
                    let v4 = socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    addresses.append(.v4(withUnsafeBytes(of: v4) { Array($0) }))
                case AF_INET6:
                    let v6 = socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    addresses.append(.v6(withUnsafeBytes(of: v6) { Array($0) }))
                default: break
                }
            }
            next = entry.pointee.ai_next
        }
        return addresses
    }
}
