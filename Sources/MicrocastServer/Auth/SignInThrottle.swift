import Foundation

/// Slows repeated failed sign-ins from one address: after 5 failures each
/// further try must wait, twice as long each time (30 s, 1 min, 2 min … up to
/// an hour); a success clears the address. Kept in memory: a restart forgives.
actor SignInThrottle {
    private var failures: [String: (count: Int, last: Date)] = [:]
    static let freeTries = 5
    static let firstDelay: TimeInterval = 30

    /// How long this address must still wait before its next try.
    func wait(for address: String, now: Date = Date()) -> TimeInterval {
        guard let record = failures[address], record.count >= Self.freeTries else { return 0 }
        let delay = min(3600, Self.firstDelay * pow(2, Double(record.count - Self.freeTries)))
        return max(0, record.last.addingTimeInterval(delay).timeIntervalSince(now))
    }

    func failed(_ address: String, now: Date = Date()) {
        let count = (failures[address]?.count ?? 0) + 1
        failures[address] = (count, now)
        if failures.count > 10_000 {
            // Forget the oldest half rather than grow without bound.
            let keep = failures.sorted { $0.value.last > $1.value.last }.prefix(5_000)
            failures = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }

    func succeeded(_ address: String) { failures[address] = nil }
}
