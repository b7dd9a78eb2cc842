import Foundation
import MicrocastCore
import MicrocastServer
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// Episode downloads counted on a real server, as podcast apps fetch them.
@Suite("Listeners")
struct ListenerTests {
    /// The time the server counts at; a test moves it to "the next day".
    final class TestClock: Sendable {
        private let offset = Mutex<TimeInterval>(0)
        func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
        func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
    }

    static let repositoryPresets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Presets")

    /// A site with one published two-minute episode; its MP3's URL, size and duration.
    static func episodeSite(_ site: TestSite) async throws -> (url: String, size: Int64, duration: Double) {
        let token = try await site.token("create media")
        let audio = try site.created(
            try await site.upload(try Fixtures.tone(in: try Fixtures.folder(), name: "episode.wav", seconds: 120), token: token)
        )
        _ = try site.created(try await site.postForm([("h", "entry"), ("name", "Counted"), ("audio", audio)], token: token))
        _ = try await site.waitForJobs()
        let feed = try await site.get("/podcast.xml").text
        func field(_ after: String, _ end: Character) -> String {
            String(feed.components(separatedBy: after).dropFirst().first?.prefix { $0 != end } ?? "")
        }
        let url = field("<enclosure url=\"", "\"")
        let size = try #require(Int64(field("length=\"", "\"")))
        let duration = try #require(Double(field("<itunes:duration>", "<")))
        return (url, size, duration)
    }

    @Test(
        "Apple's probe then chunks, and parallel ranges, count one each; HEAD, bytes=0-1, thirty seconds and a bot count none; the next day counts again; no address reaches the disk"
    )
    func counting() async throws {
        let clock = TestClock()
        let bots = try BotList.load(from: Self.repositoryPresets)
        var dataFolder: URL?
        try await TestSite.run(
            configure: { configuration in
                configuration.trustedProxies = ["127.0.0.1"]
                configuration.services.bots = bots
                configuration.services.listenerFlushInterval = .milliseconds(100)
                configuration.services.listenerClock = { clock.now() }
            },
            body: { site in
                dataFolder = site.data
                let episode = try await Self.episodeSite(site)
                func fetch(_ address: String, _ agent: String, range: String? = nil, method: HTTPMethod = .GET) async throws -> Int {
                    var headers = [("X-Forwarded-For", address), ("User-Agent", agent)]
                    if let range { headers.append(("Range", "bytes=\(range)")) }
                    let reply = try await site.request(episode.url, method: method, headers: headers)
                    return Int(reply.status.code)
                }
                let apple = "AppleCoreMedia/1.0.0.21E230 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)"
                let last = episode.size - 1

                // Apple: the two-byte probe, then 256 KB chunks to the end.
                #expect(try await fetch("203.0.113.10", apple, range: "0-1") == 206)
                var start: Int64 = 0
                while start <= last {
                    #expect(try await fetch("203.0.113.10", apple, range: "\(start)-\(min(last, start + 262_143))") == 206)
                    start += 262_144
                }
                // Overcast: four connections at once, overlapping, covering the file.
                let overcast = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
                let quarter = episode.size / 4
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for part in Int64(0)..<4 {
                        group.addTask {
                            try await fetch(
                                "203.0.113.11",
                                overcast,
                                range: "\(max(0, part * quarter - 1000))-\(min(last, (part + 1) * quarter + 1000))"
                            )
                        }
                    }
                    for try await status in group { #expect(status == 206) }
                }
                // Not downloads.
                #expect(try await fetch("203.0.113.12", "AntennaPod/3.4.0", method: .HEAD) == 200)
                #expect(try await fetch("203.0.113.13", apple, range: "0-1") == 206)
                let halfMinute = Int64(Double(episode.size) / episode.duration * 30)
                #expect(try await fetch("203.0.113.14", "AntennaPod/3.4.0", range: "0-\(halfMinute)") == 206)
                #expect(try await fetch("203.0.113.15", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)") == 200)
                // The same listener again today, then tomorrow.
                #expect(try await fetch("203.0.113.10", apple) == 200)
                clock.advance(by: 86_400)
                #expect(try await fetch("203.0.113.10", apple) == 200)

                let today = DownloadTally.day(of: Date())
                let tomorrow = DownloadTally.day(of: Date().addingTimeInterval(86_400))
                let expected = [
                    DownloadCount(episode: "", day: today, app: .applePodcasts, count: 1),
                    DownloadCount(episode: "", day: today, app: .overcast, count: 1),
                    DownloadCount(episode: "", day: tomorrow, app: .applePodcasts, count: 1),
                ]
                var stored: [DownloadCount] = []
                let deadline = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < deadline {
                    stored = try await site.store.downloads().map { DownloadCount(episode: "", day: $0.day, app: $0.app, count: $0.count) }
                    if stored.reduce(0, { $0 + $1.count }) >= 3 { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                try await Task.sleep(for: .milliseconds(300))
                stored = try await site.store.downloads().map { DownloadCount(episode: "", day: $0.day, app: $0.app, count: $0.count) }
                #expect(Set(stored) == Set(expected), "\(stored)")
            }
        )
        // Stopped (the last counts flushed): no file in the data folder holds a listener's address.
        let data = try #require(dataFolder)
        var leaks: [String] = []
        for case let file as URL in FileManager.default.enumerator(at: data, includingPropertiesForKeys: nil) ?? .init() {
            guard let bytes = try? Data(contentsOf: file), !bytes.isEmpty else { continue }
            if bytes.range(of: Data("203.0.113.".utf8)) != nil { leaks.append(file.lastPathComponent) }
        }
        #expect(leaks.isEmpty, "addresses found in \(leaks)")
    }
}
