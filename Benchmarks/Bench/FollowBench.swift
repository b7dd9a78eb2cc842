// `bench follow [FEEDS] [ROUNDS]`: FEEDS followed RSS feeds (ten items each)
// on one loopback server (Benchmarks/Bench/feeds.py), polled ROUNDS times
// in this process as `serve`'s poller polls them (`Following`, conditional
// requests, each poll's entries stored in one transaction). The first round
// reads every feed; before each later one a tenth of the feeds get a new
// item, so the rest answer 304. Measured: each round's time and this
// process's resident memory after it. Beside it, in the same run, curl
// fetching the same feeds six at a time with nothing stored: the floor of
// HTTP to that server on this machine.
import Foundation
import Glibc
import Logging
import MediaEngine
import MicrocastApp
import MicrocastCore
import NIOPosix

func followBenchmark(feeds: Int, rounds: Int) async throws {
    // As `serve` sets its allocator.
    ProcessMemory.configure()
    let port = 18_600 + Int(getpid() % 100)
    let base = "http://127.0.0.1:\(port)"
    let server = Process()
    server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    server.arguments = ["python3", repository.appendingPathComponent("Benchmarks/Bench/feeds.py").path, String(port), String(feeds)]
    server.standardOutput = FileHandle.nullDevice
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer { kill(server.processIdentifier, SIGKILL) }
    func counts() -> (requests: Int, notModified: Int) {
        let answer = (try? curl(["-s", base + "/_count"])).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
        let fields = answer as? [String: Any] ?? [:]
        return (fields["requests"] as? Int ?? -1, fields["notModified"] as? Int ?? 0)
    }
    for _ in 0..<200 where counts().requests < 0 { usleep(50_000) }

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-follow-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try await MicrocastServices.openStore(.sqlite(path: folder.appendingPathComponent("microcast.sqlite").path), connections: 4)
    let fetcher = SafeFetcher(
        policy: FetchPolicy(userAgent: "bench", allowPrivateAddresses: true),
        resolver: NameResolver(threads: NIOThreadPool.singleton)
    )
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    let following = Following(store: store, follower: FeedFollower(fetcher: fetcher), logger: logger)
    let now = Date()
    for index in 0..<feeds {
        let feed = DiscoveredFeed(url: URL(string: "\(base)/f/\(index).xml")!, format: .rss)
        _ = try await store.addFollow(Follow(address: feed.url.absoluteString, feed: feed, nextPollAt: now, createdAt: now), entries: [])
    }
    try await store.setSettings([.timelineRetentionDays: "forever"])

    print("bench follow: \(feeds) feeds of 10 items on loopback, \(rounds) rounds (a tenth of the feeds changed before each after the first)")
    print("round\tseconds\tpolled\tnew entries\t304s\tresident MB after")
    var roundSeconds: [Double] = []
    var resident: [Double] = []
    for round in 1...rounds {
        if round > 1 { _ = try curl(["-s", base + "/_bump?every=10"]) }
        let started = Date()
        let (polled, added) = try await following.refresh(nil)
        let seconds = Date().timeIntervalSince(started)
        let answered = counts()
        roundSeconds.append(seconds)
        resident.append(residentMegabytes())
        let columns = [String(round), String(format: "%.2f", seconds), String(polled), String(added), String(answered.notModified)]
        print((columns + [String(format: "%.0f", resident.last ?? 0)]).joined(separator: "\t"))
    }
    await store.close()

    // The floor: the same feeds fetched by curl, six at a time, nothing parsed or stored.
    let list = folder.appendingPathComponent("urls.txt")
    let config = (0..<feeds).map { "url = \"\(base)/f/\($0).xml\"\noutput = \"/dev/null\"" }.joined(separator: "\n")
    try config.write(to: list, atomically: true, encoding: .utf8)
    let curlStarted = Date()
    _ = try curl(["-s", "--parallel", "--parallel-max", "6", "-K", list.path])
    let curlSeconds = Date().timeIntervalSince(curlStarted)
    let laterRounds = roundSeconds.dropFirst()
    let later = laterRounds.isEmpty ? roundSeconds[0] : laterRounds.reduce(0, +) / Double(laterRounds.count)
    print(
        """
        first round (every feed read and stored): \(String(format: "%.2f", roundSeconds[0])) s; later rounds (mostly 304): \(String(format: "%.2f", later)) s on average
        curl, the same \(feeds) feeds six at a time, nothing stored: \(String(format: "%.2f", curlSeconds)) s (first round \(String(format: "%.1f", roundSeconds[0] / curlSeconds))× curl's time)
        resident memory after each round: \(resident.map { String(format: "%.0f", $0) }.joined(separator: ", ")) MB
        """
    )
}

/// This process's resident memory, from /proc.
func residentMegabytes() -> Double {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let pages = statm.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}
