import Foundation
import HTTPTypes

/// Slows repeated failed sign-ins without ever locking the owner out.
///
/// Per address: after 5 failures each further try waits 5 s, then 10 s, the
/// ceiling. Across all addresses:
/// past 30 failures in a minute every try waits 2 s more. A try is reserved
/// (counted as a failure) before the passphrase is checked and forgiven if
/// it succeeds, so parallel guesses cannot all slip past the count. Behind a
/// reverse proxy every visitor may share one address; the ceiling keeps that
/// from ever shutting the owner out for more than seconds. In memory only.
actor SignInThrottle {
    private var failures: [String: (count: Int, last: Date)] = [:]
    private var recent: [Date] = []
    static let freeTries = 5
    static let firstDelay: TimeInterval = 5
    static let ceiling: TimeInterval = 10
    /// The wait after the free tries, doubling per failure up to `ceiling`.
    let firstDelay: TimeInterval
    let ceiling: TimeInterval

    init(firstDelay: TimeInterval = SignInThrottle.firstDelay, ceiling: TimeInterval = SignInThrottle.ceiling) {
        self.firstDelay = firstDelay
        self.ceiling = ceiling
    }
    static let globalWindow: TimeInterval = 60
    static let globalFailures = 30
    static let globalDelay: TimeInterval = 2

    enum Decision: Equatable {
        /// Go ahead; call `succeeded` or leave the reservation as a failure.
        case proceed
        case wait(TimeInterval)
    }

    /// Reserves a try for `address`, or says how long it must still wait.
    func reserve(_ address: String, now: Date = Date()) -> Decision {
        let wait = self.wait(for: address, now: now)
        guard wait <= 0 else { return .wait(wait) }
        let count = (failures[address]?.count ?? 0) + 1
        failures[address] = (count, now)
        recent.append(now)
        forgetOld(now: now)
        return .proceed
    }

    /// How long this address must still wait before its next try.
    func wait(for address: String, now: Date = Date()) -> TimeInterval {
        var wait: TimeInterval = 0
        if let record = failures[address], record.count >= Self.freeTries {
            let delay = min(ceiling, firstDelay * pow(2, Double(record.count - Self.freeTries)))
            wait = record.last.addingTimeInterval(delay).timeIntervalSince(now)
        }
        let window = recent.filter { $0 > now.addingTimeInterval(-Self.globalWindow) }
        if window.count >= Self.globalFailures, let last = window.last {
            wait = max(wait, last.addingTimeInterval(Self.globalDelay).timeIntervalSince(now))
        }
        return max(0, wait)
    }

    /// The reserved try was the right passphrase: the address is forgiven.
    func succeeded(_ address: String) {
        failures[address] = nil
        if !recent.isEmpty { recent.removeLast() }
    }

    private func forgetOld(now: Date) {
        recent.removeAll { $0 < now.addingTimeInterval(-Self.globalWindow) }
        if failures.count > 10_000 {
            // Forget the oldest half rather than grow without bound.
            let keep = failures.sorted { $0.value.last > $1.value.last }.prefix(5_000)
            failures = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}

/// At most `limit` passphrase checks at once: scrypt is deliberately costly,
/// and the request pool also inspects uploads.
actor CheckLimiter {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if running >= limit { await withCheckedContinuation { waiting.append($0) } } else { running += 1 }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}

/// The address a request came from. `X-Forwarded-For` is believed only when
/// the connection comes from a proxy the operator named; then the address is
/// the last one in the header that is not itself a trusted proxy.
enum ClientAddress {
    /// The visitor's address: the connection's own, unless it comes from a
    /// trusted proxy, whose `Forwarded` (RFC 7239) or else `X-Forwarded-For`
    /// header then names the nearest hop that is not itself a trusted proxy.
    /// Anyone can send those headers, so nobody else's are read.
    static func resolve(remote: String, forwardedFor: String?, forwarded: String? = nil, trustedProxies: Set<String>) -> String {
        guard trustedProxies.contains(remote) else { return remote }
        let hops: [String]
        if let forwarded {
            hops = forwarded.split(separator: ",").compactMap { element in
                element.split(separator: ";").lazy.compactMap { pair -> String? in
                    let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard parts.count == 2, parts[0].lowercased() == "for" else { return nil }
                    return node(parts[1])
                }.first
            }
        } else if let forwardedFor {
            hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } else {
            return remote
        }
        return hops.last { !trustedProxies.contains($0) } ?? remote
    }

    /// A `Forwarded` node as an address: quotes, brackets and port removed (`"[2001:db8::1]:4711"` → `2001:db8::1`).
    static func node(_ text: String) -> String {
        var value = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        if value.hasPrefix("["), let end = value.firstIndex(of: "]") {
            return String(value[value.index(after: value.startIndex)..<end])
        }
        if value.filter({ $0 == ":" }).count == 1, let colon = value.firstIndex(of: ":") { value = String(value[..<colon]) }
        return value
    }
}
