import Foundation
import MicrocastCore
import Testing

@Suite("Download counting rules")
struct DownloadTallyTests {
    /// A 30-minute episode at 128 kbit/s: a minute is 960,000 bytes.
    let size: Int64 = 28_800_000
    let noon = Date(timeIntervalSince1970: 1_764_849_600)  // 2025-12-04 12:00 UTC
    let apple = "AppleCoreMedia/1.0.0.21E230 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)"
    let bots = BotList(entries: [.init(match: "bot/", reason: "crawlers")])

    func request(_ bytes: ClosedRange<Int64>, address: String = "203.0.113.7", agent: String? = nil, file: String = "e1.mp3") -> EpisodeRequest {
        EpisodeRequest(
            episode: "episode-1",
            file: file,
            fileSize: size,
            duration: 1800,
            bytes: bytes,
            address: address,
            userAgent: agent ?? apple
        )
    }

    @Test("Apple's pattern (bytes=0-1, then ranged chunks to the end) is one download, from Apple Podcasts")
    func applePattern() {
        var tally = DownloadTally(bots: bots)
        tally.record(request(0...1), at: noon)
        var start: Int64 = 0
        while start < size {
            tally.record(request(start...min(size - 1, start + 2_000_000 - 1)), at: noon.addingTimeInterval(5))
            start += 2_000_000
        }
        #expect(tally.takePending() == [DownloadCount(episode: "episode-1", day: "2025-12-04", app: .applePodcasts, count: 1)])
    }

    @Test("overlapping parallel ranges (Overcast) count once, by the bytes they cover together")
    func parallelRanges() {
        var tally = DownloadTally(bots: bots)
        let agent = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
        // Four connections re-asking for the first 300 KB: 300 KB in all, not a minute.
        for _ in 0..<4 { tally.record(request(0...299_999, agent: agent), at: noon) }
        #expect(tally.takePending().isEmpty, "repeats of the same bytes are not a minute")
        for part in 0..<4 {
            let start = Int64(part) * 300_000
            tally.record(request(start...(start + 399_999), agent: agent), at: noon)
        }
        #expect(tally.takePending().map(\.count) == [1])
        #expect(tally.takePending().isEmpty)
    }

    @Test("a HEAD is never seen; bytes=0-1 alone, and thirty seconds' worth, are not downloads")
    func notDownloads() {
        var tally = DownloadTally(bots: bots)
        tally.record(request(0...1), at: noon)
        tally.record(request(0...479_999, address: "198.51.100.9"), at: noon)
        #expect(tally.takePending().isEmpty)
    }

    @Test("the same listener counts once a day, and again the next day; another listener is another download")
    func perDay() {
        var tally = DownloadTally(bots: bots)
        tally.record(request(0...(size - 1)), at: noon)
        tally.record(request(0...(size - 1)), at: noon.addingTimeInterval(3600))
        tally.record(request(0...(size - 1), address: "198.51.100.9"), at: noon.addingTimeInterval(3600))
        tally.record(request(0...(size - 1)), at: noon.addingTimeInterval(86_400))
        #expect(
            tally.takePending() == [
                DownloadCount(episode: "episode-1", day: "2025-12-04", app: .applePodcasts, count: 2),
                DownloadCount(episode: "episode-1", day: "2025-12-05", app: .applePodcasts, count: 1),
            ]
        )
    }

    @Test("bots are not listeners; pre-loads by apps are downloads")
    func botsAndPreloads() {
        var tally = DownloadTally(bots: bots)
        tally.record(request(0...(size - 1), agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), at: noon)
        #expect(tally.takePending().isEmpty)
        tally.record(request(0...(size - 1), agent: "AntennaPod/3.4.0"), at: noon)
        #expect(tally.takePending().map(\.app) == [.antennaPod])
    }

    @Test("205,000 one-byte probes and 200,000 small listeners, each its own user agent, leave room to count the real downloads after them")
    func floods() {
        var tally = DownloadTally(bots: bots)
        for n in 0..<205_000 { tally.record(request(0...0, agent: "Flood/\(n)"), at: noon) }
        #expect(tally.trackedListeners == 0, "a probe is not a listener")
        for n in 0..<200_500 { tally.record(request(0...20_000, agent: "Bigger flood/\(n)"), at: noon) }
        #expect(tally.trackedListeners <= tally.maxListeners)
        // A listener halfway there keeps its place against smaller newcomers.
        tally.record(request(0...499_999, address: "203.0.113.99", agent: "Overcast/3.0"), at: noon)
        for n in 0..<1_000 { tally.record(request(0...20_000, agent: "Late flood/\(n)"), at: noon) }
        tally.record(request(500_000...999_999, address: "203.0.113.99", agent: "Overcast/3.0"), at: noon)
        for address in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
            tally.record(request(0...(size - 1), address: address, agent: "AntennaPod/3.4.0"), at: noon)
        }
        let counts = tally.takePending()
        #expect(counts.map(\.count).reduce(0, +) == 4, "\(counts)")
        #expect(Set(counts.map(\.app)) == [.antennaPod, .overcast])
    }

    @Test("an episode shorter than a minute counts once it is all received")
    func shortEpisode() {
        var tally = DownloadTally(bots: bots)
        let short = EpisodeRequest(
            episode: "short",
            file: "s.mp3",
            fileSize: 400_000,
            duration: 25,
            bytes: 0...399_999,
            address: "a",
            userAgent: apple
        )
        tally.record(short, at: noon)
        #expect(tally.takePending().map(\.count) == [1])
    }

    @Test("a failed flush's counts come back and are written with the next")
    func restore() {
        var tally = DownloadTally(bots: bots)
        tally.record(request(0...(size - 1)), at: noon)
        let taken = tally.takePending()
        tally.record(request(0...(size - 1), address: "198.51.100.9"), at: noon)
        tally.restore(taken)
        #expect(tally.takePending().map(\.count) == [2])
    }

    @Test(
        "apps are told apart by their user agents",
        arguments: [
            ("Podcasts/1650.20 CFNetwork/1494.0.7 Darwin/23.4.0", ListenerApp.applePodcasts),
            ("AppleCoreMedia/1.0.0.21E230 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)", .applePodcasts),
            ("Overcast/3.0 (+http://overcast.fm/; iOS podcast app)", .overcast),
            ("PocketCasts/1.0 (Pocket Casts Android, 7.60)", .pocketCasts),
            ("AntennaPod/3.4.0", .antennaPod),
            ("gPodder/3.11.4 (+http://gpodder.org/) Linux", .gPodder),
            ("Castro 2024.3/1234", .castro),
            ("Spotify/8.9.10 Android/33 (Pixel 7)", .spotify),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36", .browser),
            ("curl/7.88.1", .other),
        ]
    )
    func apps(agent: String, app: ListenerApp) {
        #expect(ListenerApp(userAgent: agent) == app)
    }

    @Test("the shipped bot list loads, and each entry says why it is there")
    func shippedBots() throws {
        let presets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Presets")
        let list = try BotList.load(from: presets)
        #expect(list.entries.count >= 10)
        #expect(list.entries.allSatisfy { !$0.reason.isEmpty && $0.match == $0.match.lowercased() })
        #expect(list.isBot("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"))
        for app in ["AppleCoreMedia/1.0.0.21E230 (iPhone)", "Overcast/3.0", "AntennaPod/3.4.0", "PocketCasts/1.0", "Spotify/8.9"] {
            #expect(!list.isBot(app), "\(app) is an app")
        }
    }

    @Test("stats: an episode's first 7 and 30 days, every day of the window, apps by downloads")
    func stats() {
        let published = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01
        let counts = [
            DownloadCount(episode: "e1", day: "2025-12-01", app: .applePodcasts, count: 5),
            DownloadCount(episode: "e1", day: "2025-12-07", app: .overcast, count: 2),
            DownloadCount(episode: "e1", day: "2025-12-08", app: .overcast, count: 3),
            DownloadCount(episode: "e1", day: "2026-01-15", app: .browser, count: 1),
        ]
        let stats = ListenerStats(
            counts: counts,
            episodes: [.init(slug: "e1", title: "One", published: published)],
            today: Date(timeIntervalSince1970: 1_768_435_200),  // 2026-01-15
            days: 10
        )
        #expect(stats.episodes.map { [$0.firstWeek, $0.firstMonth, $0.allTime] } == [[7, 10, 11]])
        #expect(stats.days.count == 10 && stats.days.last == .init(day: "2026-01-15", downloads: 1))
        #expect(stats.apps.map(\.app) == [.applePodcasts, .overcast, .browser])
        #expect(stats.total == 11)
        let svg = stats.dailyChartSVG
        #expect(svg.contains("role=\"img\"") && svg.contains("<title id=\"chart-title\">"))
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 10)
    }
}
