import Crypto
import Foundation

/// Downloads of one episode on one day from one app: what is stored, and all
/// that is stored.
public struct DownloadCount: Sendable, Equatable, Hashable, Codable {
    /// The episode's post slug.
    public var episode: String
    /// The UTC day, `YYYY-MM-DD`.
    public var day: String
    public var app: ListenerApp
    public var count: Int

    public init(episode: String, day: String, app: ListenerApp, count: Int) {
        self.episode = episode
        self.day = day
        self.app = app
        self.count = count
    }
}

/// One request for an episode's audio, as the counting rules see it.
public struct EpisodeRequest: Sendable {
    /// The episode's post slug.
    public var episode: String
    /// Which of its files (an MP3 and an M4A are counted together, by episode).
    public var file: String
    public var fileSize: Int64
    /// The file's length in seconds, for "one minute's worth" of its bytes.
    public var duration: Double?
    /// The bytes this answer carries (the whole file for a 200).
    public var bytes: ClosedRange<Int64>
    public var address: String
    public var userAgent: String

    public init(
        episode: String,
        file: String,
        fileSize: Int64,
        duration: Double?,
        bytes: ClosedRange<Int64>,
        address: String,
        userAgent: String
    ) {
        self.episode = episode
        self.file = file
        self.fileSize = fileSize
        self.duration = duration
        self.bytes = bytes
        self.address = address
        self.userAgent = userAgent
    }

    /// One minute's worth of the file's bytes, from its bit rate (the whole
    /// file if it is shorter): the IAB guidelines' least a download must carry.
    public var minuteOfBytes: Int64 {
        guard let duration, duration > 0 else { return min(fileSize, Self.fallbackMinute) }
        return min(fileSize, Int64((Double(fileSize) / duration * 60).rounded(.up)))
    }

    /// 128 kbit/s, for a file whose length is not known.
    static let fallbackMinute: Int64 = 128_000 / 8 * 60
}

/// Counts downloads by the IAB Podcast Measurement Technical Guidelines
/// (v2.1), in memory, without keeping who listened.
///
/// A listener is a keyed hash (HMAC-SHA256) of address and user agent. The
/// key is random, made for one UTC day and then dropped with everything
/// keyed by it, so no address is ever stored and yesterday's listeners
/// cannot be linked to today's. A download is one listener receiving at least
/// a minute's worth of an episode's bytes, however many ranged requests carry
/// them (overlaps counted once), counted once per episode per day. HEAD
/// requests are never seen here. Bots (`BotList`) are not listeners. Pre-loads
/// by apps that fetch every episode are downloads: the guidelines count them.
///
/// What a flood of requests cannot do (issue 25): a request for a small range
/// (`probeBytes`; Apple's `bytes=0-1`, any `bytes=0-0`) does not make anyone
/// a listener, so it costs no memory. Listeners on their way to a download
/// are held in a table of `maxListeners`; when it is full, the one that has
/// received the fewest bytes makes room for a newcomer that has received at
/// least as many, so cheap requests only push out each other. Listeners
/// already counted are kept apart (`maxCounted`), and only a real download
/// (a minute's worth of bytes) can get in there.
///
/// Counts wait in `pending` until taken (by the flush, once a minute).
public struct DownloadTally: Sendable {
    public let bots: BotList
    public let maxListeners: Int
    public let maxCounted: Int
    /// A request carrying fewer bytes than this (or than the whole file, if
    /// smaller) is a probe: it neither makes nor moves a listener.
    public static let probeBytes: Int64 = 16 * 1024
    private var day = ""
    /// Today's key's bytes (`SymmetricKey` is not `Sendable`).
    private var key = Self.newKey()
    /// Listeners on their way to a download: the byte ranges received of each file.
    private var progress: [ListenerEpisode: Progress] = [:]
    /// The same listeners by how many bytes they have received (by powers of
    /// two), so the one with the fewest is found without a scan.
    private var byReceived: [Int: Set<ListenerEpisode>] = [:]
    /// Listeners counted today, each once per episode.
    private var counted: Set<ListenerEpisode> = []
    private var pendingCounts: [PendingKey: Int] = [:]
    /// Requests not followed today because a table was full.
    public private(set) var untracked = 0

    struct ListenerEpisode: Hashable {
        var listener: Data
        var episode: String
    }

    struct Progress {
        var received: [String: [ClosedRange<Int64>]] = [:]
        /// Bytes received in all, of every file (for the table's eviction).
        var total: Int64 = 0
    }

    struct PendingKey: Hashable {
        var episode: String
        var day: String
        var app: ListenerApp
    }

    public init(bots: BotList, maxListeners: Int = 200_000, maxCounted: Int = 1_000_000) {
        self.bots = bots
        self.maxListeners = maxListeners
        self.maxCounted = maxCounted
    }

    /// Takes one answered request into account; true when it made a download.
    @discardableResult
    public mutating func record(_ request: EpisodeRequest, at now: Date) -> Bool {
        guard !bots.isBot(request.userAgent) else { return false }
        rotate(for: now)
        let id = ListenerEpisode(listener: listener(request.address, request.userAgent), episode: request.episode)
        guard !counted.contains(id) else { return false }
        let carried = request.bytes.upperBound - request.bytes.lowerBound + 1
        let isKnown = progress[id] != nil
        // A probe is not a listener: nothing is kept for it.
        guard isKnown || carried >= min(Self.probeBytes, request.minuteOfBytes) else { return false }
        var state = progress[id] ?? Progress()
        let before = ranges(of: state, file: request.file)
        let ranges = Self.union(state.received[request.file, default: []], adding: request.bytes)
        let received = ranges.reduce(Int64(0)) { $0 + $1.upperBound - $1.lowerBound + 1 }
        if received >= request.minuteOfBytes {
            guard counted.count < maxCounted else {
                untracked += 1
                return false
            }
            // Counted: the ranges are no longer needed, only that it was.
            forget(id)
            counted.insert(id)
            pendingCounts[PendingKey(episode: request.episode, day: day, app: ListenerApp(userAgent: request.userAgent)), default: 0] += 1
            return true
        }
        if !isKnown {
            guard makeRoom(for: received) else {
                untracked += 1
                return false
            }
        }
        forget(id)
        state.total += received - before
        state.received[request.file] = ranges
        progress[id] = state
        byReceived[Self.bucket(state.total), default: []].insert(id)
        return false
    }

    private func ranges(of state: Progress, file: String) -> Int64 {
        (state.received[file] ?? []).reduce(Int64(0)) { $0 + $1.upperBound - $1.lowerBound + 1 }
    }

    /// Room in the table for a listener whose request carries `bytes`: free
    /// space, or the listener with the fewest bytes received, if it has no more.
    private mutating func makeRoom(for bytes: Int64) -> Bool {
        guard progress.count >= maxListeners else { return true }
        guard let lowest = byReceived.keys.min(), lowest <= Self.bucket(bytes), let victim = byReceived[lowest]?.first else { return false }
        forget(victim)
        return true
    }

    /// Takes a listener out of the table (to count it, to move it, or to evict it).
    private mutating func forget(_ id: ListenerEpisode) {
        guard let state = progress.removeValue(forKey: id) else { return }
        let bucket = Self.bucket(state.total)
        byReceived[bucket]?.remove(id)
        if byReceived[bucket]?.isEmpty == true { byReceived[bucket] = nil }
    }

    static func bucket(_ bytes: Int64) -> Int { Int64.bitWidth - max(0, bytes).leadingZeroBitCount }

    /// The downloads counted since the last call, now forgotten here.
    public mutating func takePending() -> [DownloadCount] {
        defer { pendingCounts.removeAll() }
        return pendingCounts.map { DownloadCount(episode: $0.key.episode, day: $0.key.day, app: $0.key.app, count: $0.value) }
            .sorted { ($0.day, $0.episode, $0.app) < ($1.day, $1.episode, $1.app) }
    }

    /// Puts counts back (a flush that failed), so they are written with the next.
    public mutating func restore(_ counts: [DownloadCount]) {
        for count in counts {
            pendingCounts[PendingKey(episode: count.episode, day: count.day, app: count.app), default: 0] += count.count
        }
    }

    /// How many listener-and-episode states are held now (on their way to a download, and counted).
    public var trackedListeners: Int { progress.count + counted.count }

    /// A new day drops the key and everything keyed by it.
    private mutating func rotate(for now: Date) {
        let today = Self.day(of: now)
        guard today != day else { return }
        day = today
        key = Self.newKey()
        progress.removeAll()
        byReceived.removeAll()
        counted.removeAll()
        untracked = 0
    }

    private func listener(_ address: String, _ userAgent: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data("\(address)\n\(userAgent)".utf8), using: SymmetricKey(data: key)).prefix(16))
    }

    private static func newKey() -> Data { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) } }

    /// `ranges` (sorted, apart) with `range` merged in.
    static func union(_ ranges: [ClosedRange<Int64>], adding range: ClosedRange<Int64>) -> [ClosedRange<Int64>] {
        var merged: [ClosedRange<Int64>] = []
        var current = range
        for existing in ranges {
            if existing.upperBound + 1 < current.lowerBound || current.upperBound + 1 < existing.lowerBound {
                merged.append(existing)
            } else {
                current = min(existing.lowerBound, current.lowerBound)...max(existing.upperBound, current.upperBound)
            }
        }
        merged.append(current)
        return merged.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// The UTC day of a moment, `YYYY-MM-DD`.
    public static func day(of date: Date) -> String {
        let components = Calendar.utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", components.year ?? 0, components.month ?? 0, components.day ?? 0)
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar
    }()
}
