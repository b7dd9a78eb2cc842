import Foundation
import Glibc
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// Episode downloads counted on a real server, as podcast apps fetch them.
@Suite("Listeners")
struct ListenerTests {
    /// A site that counts downloads and writes them every 100 ms, behind a
    /// "proxy" (the test itself) whose `X-Forwarded-For` names the listener.
    static func runCountingSite(clock: TestClock? = nil, bots: BotList = BotList(), body: (TestSite) async throws -> Void) async throws {
        try await TestSite.run(
            configure: { configuration in
                configuration.trustedProxies = ["127.0.0.1"]
                configuration.services.bots = bots
                configuration.services.listenerFlushInterval = .milliseconds(100)
                if let clock { configuration.services.listenerClock = { clock.now() } }
            },
            body: body
        )
    }

    /// The stored counts once they add up to `total` (or two minutes have passed), and a flush later.
    static func downloads(of site: TestSite, total: Int) async throws -> [DownloadCount] {
        let deadline = ContinuousClock.now + .seconds(120)
        while try await site.store.downloads().reduce(0, { $0 + $1.count }) < total, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        // Anything counted beyond `total` would be written by now too.
        try await Task.sleep(for: .milliseconds(300))
        return try await site.store.downloads()
    }

    /// A site with one published episode of 75 s (more than a minute, so half a minute is not a download); its MP3's URL, size and duration.
    static func episodeSite(_ site: TestSite) async throws -> (url: String, size: Int64, duration: Double, upload: String) {
        let token = try await site.token("create media")
        let audio = try site.created(
            try await site.upload(try await Fixtures.tone(in: try Fixtures.folder(), name: "episode.wav", seconds: 75), token: token)
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
        return (url, size, duration, audio)
    }

    @Test(
        "Apple's probe then chunks, and parallel ranges, count one each; HEAD, bytes=0-1, thirty seconds and a bot count none; the next day counts again; no address reaches the disk"
    )
    func counting() async throws {
        let clock = TestClock()
        let bots = try BotList.load(from: Repository.presets)
        var dataFolder: URL?
        try await Self.runCountingSite(
            clock: clock,
            bots: bots,
            body: { site in
                dataFolder = site.data
                let episode = try await Self.episodeSite(site)
                func fetch(
                    _ address: String,
                    _ agent: String,
                    range: String? = nil,
                    method: HTTPMethod = .GET,
                    url: String? = nil
                ) async throws -> Int {
                    var headers = [("X-Forwarded-For", address), ("User-Agent", agent)]
                    if let range { headers.append(("Range", "bytes=\(range)")) }
                    let reply = try await site.request(url ?? episode.url, method: method, headers: headers)
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
                // The episode's own upload (the enclosure when no rendition is made) counts like one.
                #expect(try await fetch("203.0.113.16", "Castro 2024.3/1234", url: episode.upload) == 200)
                // The same listener again today, then tomorrow.
                #expect(try await fetch("203.0.113.10", apple) == 200)
                clock.advance(by: 86_400)
                #expect(try await fetch("203.0.113.10", apple) == 200)

                let today = DownloadTally.day(of: Date())
                let tomorrow = DownloadTally.day(of: Date().addingTimeInterval(86_400))
                let expected = [
                    DownloadCount(episode: "", day: today, app: .applePodcasts, count: 1),
                    DownloadCount(episode: "", day: today, app: .overcast, count: 1),
                    DownloadCount(episode: "", day: today, app: .castro, count: 1),
                    DownloadCount(episode: "", day: tomorrow, app: .applePodcasts, count: 1),
                ]
                let stored = try await Self.downloads(of: site, total: 4).map {
                    DownloadCount(episode: "", day: $0.day, app: $0.app, count: $0.count)
                }
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

        // `microcast stats` prints what the studio shows.
        let printed = try await Microcast.run(["stats", "--data", data.path])
        #expect(printed.status == 0, "\(printed.errors)")
        let lines = printed.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.first { $0.first == "Counted" }?.suffix(3) == ["4", "4", "4"], "\(printed.output)")
        #expect(lines.contains(["Apple", "Podcasts", "2"]) && lines.contains(["Overcast", "1"]), "\(printed.output)")
        #expect(lines.contains(["total:", "4"]), "\(printed.output)")
    }

    @Test(
        "the stats prefix: episodes published while it is on are enclosed through /dl/, which counts and redirects to the exported file (curl -L gets it byte for byte); earlier episodes keep their URLs, also once it is off"
    )
    func statsPrefix() async throws {
        try await Self.runCountingSite { site in try await statsPrefixBody(site) }
    }

    func statsPrefixBody(_ site: TestSite) async throws {
        let token = try await site.token("create media")
        let folder = try Fixtures.folder()
        func publish(_ title: String) async throws {
            let audio = try site.created(try await site.upload(try await Fixtures.tone(in: folder, name: "\(title).wav", seconds: 65), token: token))
            _ = try site.created(try await site.postForm([("h", "entry"), ("name", title), ("audio", audio)], token: token))
            _ = try await site.waitForJobs()
        }
        func enclosures(_ feed: String) -> [String: String] {
            var found: [String: String] = [:]
            for item in feed.components(separatedBy: "<item>").dropFirst() {
                let title = item.components(separatedBy: "<title>").dropFirst().first?.prefix { $0 != "<" } ?? ""
                found[String(title)] = String(item.components(separatedBy: "<enclosure url=\"").dropFirst().first?.prefix { $0 != "\"" } ?? "")
            }
            return found
        }
        try await publish("Before")

        // The CDN: the export, served by Python's http.server.
        let (export, reservation) = try StaticExport.reserve()
        defer { close(reservation) }
        let cdn = export.base
        let on = try await Microcast.run(["stats", "prefix", "on", "--data", site.data.path, "--counter", site.base, "--files", cdn])
        #expect(on.status == 0, "\(on.errors)")
        try await publish("After")

        let live = enclosures(try await site.get("/podcast.xml").text)
        #expect(live["Before"]?.hasPrefix(site.base + "/media/r/") == true, "\(live)")
        #expect(live["After"]?.hasPrefix(site.base + "/dl/media/r/") == true, "\(live)")

        try await export.export(site)
        let feed = enclosures(try String(contentsOf: export.folder.appendingPathComponent("podcast.xml"), encoding: .utf8))
        #expect(feed["Before"]?.hasPrefix(cdn + "/media/r/") == true, "\(feed)")
        let prefixed = try #require(feed["After"])
        #expect(prefixed.hasPrefix(site.base + "/dl/media/r/"), "\(feed)")

        let server = try StaticHost.serve(export.folder, port: export.port)
        defer { kill(server.processIdentifier, SIGKILL) }

        // A HEAD and a two-byte probe through the prefix are not downloads; an app's GET is.
        let probe = try await site.request(prefixed, method: .HEAD, headers: [("User-Agent", "Overcast/3.0")])
        #expect(probe.status == .found && probe.headers.first(name: "Location")?.hasPrefix(cdn + "/media/r/") == true)
        _ = try await site.request(prefixed, headers: [("User-Agent", "Overcast/3.0"), ("Range", "bytes=0-1")])
        // Any small range is a probe too, whatever its bytes (issue 25: bytes=0-0 was counted).
        for range in ["bytes=0-0", "bytes=100-200", "bytes=-500"] {
            let small = try await site.request(
                prefixed,
                headers: [("User-Agent", "AntennaPod/3.4"), ("Range", range), ("X-Forwarded-For", "203.0.113.41")]
            )
            #expect(small.status == .found)
        }
        // /dl/ answers only for episodes enclosed through the prefix: "Before" was published earlier.
        let before = try #require(live["Before"]?.replacingOccurrences(of: site.base + "/media/", with: site.base + "/dl/media/"))
        #expect(try await site.request(before, headers: [("User-Agent", "Overcast/3.0")]).status == .notFound)
        let downloaded = folder.appendingPathComponent("downloaded.mp3")
        _ = try await Fixtures.runOffPool(
            "curl",
            [
                "-sfL", "--retry", "20", "--retry-connrefused", "--retry-delay", "0", "-A", "Overcast/3.0 (+http://overcast.fm/)",
                "-H", "X-Forwarded-For: 203.0.113.40", "-o", downloaded.path, prefixed,
            ]
        )
        let name = try #require(prefixed.split(separator: "/").last)
        let file = export.folder.appendingPathComponent("media/r/\(name)")
        #expect(try Data(contentsOf: downloaded) == (try Data(contentsOf: file)), "the download is the exported file")

        let counted = try await Self.downloads(of: site, total: 1)
        #expect(counted.map(\.app) == [.overcast] && counted.map(\.count) == [1], "\(counted)")

        // Off: new episodes are plain again; "After" keeps its prefixed URL.
        let off = try await Microcast.run(["stats", "prefix", "off", "--data", site.data.path])
        #expect(off.status == 0, "\(off.errors)")
        try await publish("Later")
        let later = enclosures(try await site.get("/podcast.xml").text)
        #expect(later["After"] == live["After"], "\(later)")
        #expect(later["Later"]?.hasPrefix(site.base + "/media/r/") == true, "\(later)")
    }

    @Test(
        "a flood of probes and small ranges, each under its own user agent, cannot stop real downloads being counted; /dl/ answers nothing while the prefix was never on"
    )
    func floods() async throws {
        try await TestSite.run(
            configure: { configuration in
                configuration.trustedProxies = ["127.0.0.1"]
                configuration.services.listenerFlushInterval = .milliseconds(100)
                // The attack at a hundredth of its size on a real site (DownloadTallyTests has it whole).
                configuration.services.listenerTableSize = 2_000
            },
            body: { site in
                let episode = try await Self.episodeSite(site)
                func fetch(_ n: Int, range: String?, url: String? = nil) async throws -> Int {
                    var headers = [("X-Forwarded-For", "198.51.100.\(n % 250)"), ("User-Agent", "Flood/\(n)")]
                    if let range { headers.append(("Range", range)) }
                    return Int(try await site.request(url ?? episode.url, headers: headers).status.code)
                }
                // 2,100 one-byte probes, then 2,100 listeners of 20 KB each: more than the table holds.
                for wave in [("bytes=0-0", 0), ("bytes=0-20000", 10_000)] {
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for n in 0..<2_100 {
                            if n >= 16 { _ = try await group.next() }
                            group.addTask { try await fetch(wave.1 + n, range: wave.0) }
                        }
                        for try await status in group { #expect(status == 206) }
                    }
                }
                // Three real listeners, afterwards: all three counted.
                for n in 0..<3 {
                    let reply = try await site.request(
                        episode.url,
                        headers: [("X-Forwarded-For", "203.0.113.\(50 + n)"), ("User-Agent", "AntennaPod/3.4.0")]
                    )
                    #expect(reply.status == .ok)
                }
                // /dl/ with the prefix never switched on: not found, and nothing counted.
                let prefixed = episode.url.replacingOccurrences(of: site.base + "/media/", with: site.base + "/dl/media/")
                for range in [nil, "bytes=0-0", "bytes=0-1"] {
                    #expect(try await fetch(99_999, range: range, url: prefixed) == 404)
                }
                let counted = try await Self.downloads(of: site, total: 3)
                #expect(counted.reduce(0) { $0 + $1.count } == 3, "\(counted)")
                #expect(counted.allSatisfy { $0.app == .antennaPod }, "\(counted)")
            }
        )
    }

    @Test("in a browser, the studio's Listeners page shows the downloads the requests made: per episode, per day (chart and table), per app")
    func listenersPageInBrowser() async throws {
        try await Self.runCountingSite { site in try await listenersPageBody(site) }
    }

    func listenersPageBody(_ site: TestSite) async throws {
        try await site.store.setPassphraseHash(try PassphraseHasher.hash(OwnerSession.passphrase), now: Date())
        let episode = try await Self.episodeSite(site)
        let listeners = [
            ("203.0.113.50", "AppleCoreMedia/1.0.0.21E230 (iPhone; U; CPU OS 17_4 like Mac OS X; en_us)"),
            ("203.0.113.51", "Podcasts/1650.20 CFNetwork/1494.0.7 Darwin/23.4.0"),
            ("203.0.113.52", "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"),
        ]
        for (address, agent) in listeners {
            let reply = try await site.request(episode.url, headers: [("X-Forwarded-For", address), ("User-Agent", agent)])
            #expect(reply.status == .ok)
        }
        #expect(try await Self.downloads(of: site, total: 3).reduce(0) { $0 + $1.count } == 3)

        let screenshots = Repository.root.appendingPathComponent("test-artifacts/screenshots")
        let script = Repository.root.appendingPathComponent("Tests/Browser/listeners_page.py")
        let output = try await Fixtures.runOffPool("python3", [script.path, site.base, OwnerSession.passphrase, screenshots.path])
        let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect((report["errors"] as? [String])?.isEmpty == true, "\(report["errors"] ?? "")")
        #expect(report["current"] as? String == "Listeners")
        #expect(
            report["episodes"] as? [[String]] == [
                ["Counted", DateText.long(try #require(try await site.store.snapshot().posts.first?.post.published)), "3", "3", "3"]
            ]
        )
        #expect(report["apps"] as? [[String]] == [["Apple Podcasts", "2", "67%"], ["Overcast", "1", "33%"]])
        let days = try #require(report["days"] as? [[String]])
        #expect(days.count == 30 && days.last == [DownloadTally.day(of: Date()), "3"])
        let chart = try #require(report["chart"] as? [String: Any])
        #expect(chart["role"] as? String == "img" && chart["bars"] as? Int == 30)
        #expect((chart["title"] as? String)?.contains("3 in all") == true, "\(chart)")
        let page = try #require(report["page"] as? [String: Any])
        #expect((page["consoleErrors"] as? [String])?.isEmpty == true, "\(page["consoleErrors"] ?? "")")
        #expect((page["unlabelled"] as? [String])?.isEmpty == true, "\(page["unlabelled"] ?? "")")
        #expect((page["lowestContrast"] as? Double ?? 0) >= 4.5, "contrast \(page["lowestContrast"] ?? "")")
        #expect((page["overflowAt360"] as? Int ?? 1) <= 0, "the page scrolls sideways at 360 px")
    }
}
