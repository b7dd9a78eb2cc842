// `bench syndicate [POSTS]`: how long a post takes to exist on Mastodon and
// Bluesky after it is published, with the job queue idle, beside the same
// status posted straight to the network with curl (the floor any client
// has); and the backfeed's requests: what the schedule books per copy and
// per day, and what a release server actually sent the fakes in a window.
// The networks are the test suite's fakes (Tests/Fakes/), on loopback.
import Foundation
import MicrocastCore
import TestSupport

func syndicationBenchmark(posts: Int) throws {
    let mastodonPort = 18_400 + Int(getpid() % 100)
    let pdsPort = mastodonPort + 100
    let fakes = [("mastodon", mastodonPort), ("pds", pdsPort)].map { name, port in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repository.appendingPathComponent("Tests/Fakes/\(name).py").path, String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
        return process
    }
    // SIGKILL: the fakes outlive SIGTERM from here.
    defer { for fake in fakes { kill(fake.processIdentifier, SIGKILL) } }
    let mastodon = "http://127.0.0.1:\(mastodonPort)"
    let pds = "http://127.0.0.1:\(pdsPort)"
    for base in [mastodon, pds] {
        var up = false
        for _ in 0..<200 where !up {
            up = (try? curl(["-sf", base + "/_fake/requests"])) != nil
            if !up { usleep(50_000) }
        }
        guard up else { fatalError("syndicate: the fake at \(base) did not start") }
    }
    let server = try ServerUnderTest(name: "syndicate", extraArguments: ["--allow-private-fetch", "--backfeed-first-look", "1"])
    defer { server.stop() }
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("microcast")

    func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }
    let mastodonToken = (json(try curl(["-s", "-X", "POST", mastodon + "/_fake/owner-token"])) as? [String: Any])?["token"] as? String ?? ""
    let owner = json(try curl(["-s", pds + "/_fake/owner"])) as? [String: Any] ?? [:]
    _ = runTool(
        binary.path,
        ["syndicate", "add", "mastodon", "--data", server.data.path, "--allow-private-fetch", "--instance", mastodon, "--token", mastodonToken]
    )
    _ = runTool(
        binary.path,
        [
            "syndicate", "add", "bluesky", "--data", server.data.path, "--allow-private-fetch", "--handle", "owner.test",
            "--app-password", owner["password"] as? String ?? "", "--pds", pds,
        ]
    )
    let targets = [mastodon + "/@owner", "https://bsky.app/profile/owner.test"]

    func exists(_ permalink: String, on base: String) -> Bool {
        let control = base == mastodon ? "/_fake/statuses" : "/_fake/records"
        return (try? curl(["-s", base + control]))?.contains(permalink) == true
    }
    var times: [String: [Double]] = [mastodon: [], pds: []]
    for index in 0..<posts {
        let body =
            #"{"type":["h-entry"],"properties":{"content":["Measured post \#(index) \#(UUID().uuidString)"],"mp-syndicate-to":["\#(targets[0])","\#(targets[1])"]}}"#
        let started = Date()
        let created = try curl([
            "-s", "-o", "/dev/null", "-w", "%{redirect_url}%header{location}", "-H", "Authorization: Bearer \(server.token)",
            "-H", "Content-Type: application/json", "--data", body, server.base + "/micropub",
        ])
        let permalink = created.trimmingCharacters(in: .whitespacesAndNewlines)
        var pending: Set<String> = [mastodon, pds]
        while !pending.isEmpty {
            for base in pending where exists(permalink, on: base) {
                times[base, default: []].append(Date().timeIntervalSince(started))
                pending.remove(base)
            }
            if Date().timeIntervalSince(started) > 30 { fatalError("syndicate: \(permalink) not copied in 30 s") }
            usleep(10_000)
        }
    }
    // The floor: the same kind of status straight to the network.
    var direct: [Double] = []
    for index in 0..<posts {
        direct.append(
            try seconds {
                _ = try curl([
                    "-s", "-H", "Authorization: Bearer \(mastodonToken)", "-H", "Content-Type: application/json",
                    "--data", #"{"status":"Direct \#(index) https://example.com/p/\#(index)","media_ids":[]}"#, mastodon + "/api/v1/statuses",
                ])
            }
        )
    }
    func ms(_ value: Double) -> String { String(format: "%.0f ms", value * 1000) }
    func p90(_ values: [Double]) -> Double { values.sorted()[min(values.count - 1, values.count * 9 / 10)] }
    print("| \(posts) notes, queue idle, loopback fakes | median | p90 | vs. a status posted straight with curl (median) |")
    print("| --- | --- | --- | --- |")
    print(
        "| published → on Mastodon | \(ms(median(times[mastodon] ?? []))) | \(ms(p90(times[mastodon] ?? []))) | \(String(format: "%.1f×", median(times[mastodon] ?? []) / median(direct))) |"
    )
    print("| published → on Bluesky (PDS) | \(ms(median(times[pds] ?? []))) | \(ms(p90(times[pds] ?? []))) | |")
    print("| a status posted straight with curl | \(ms(median(direct))) | \(ms(p90(direct))) | 1.0× |")

    // The backfeed's budget: three reads per look (replies, likes, reposts) on each network.
    let schedule = BackfeedSchedule()
    let posted = Date(timeIntervalSince1970: 0)
    let looks = schedule.looks(posted: posted)
    let firstDay = looks.filter { $0.timeIntervalSince(posted) <= 86_400 }.count
    print("")
    print("| backfeed, per copy (defaults: first look at 1 min, then half its age, at most 6 h apart, for 7 days) | looks | requests |")
    print("| --- | --- | --- |")
    print("| first day | \(firstDay) | \(firstDay * 3) |")
    print("| each later day | 4 | 12 |")
    print("| the whole week | \(looks.count) | \(looks.count * 3) |")

    // Measured: what the server sent one copy while the first 40 s of its looks were due (first look at 1 s here).
    let window = 40.0
    let watched = #"{"type":["h-entry"],"properties":{"content":["Watched for responses"],"mp-syndicate-to":["\#(targets[0])"]}}"#
    let permalink = try curl([
        "-s", "-o", "/dev/null", "-w", "%header{location}", "-H", "Authorization: Bearer \(server.token)", "-H", "Content-Type: application/json",
        "--data", watched, server.base + "/micropub",
    ])
    var statusId: String?
    while statusId == nil {
        let statuses = json(try curl(["-s", mastodon + "/_fake/statuses"])) as? [[String: Any]] ?? []
        statusId = statuses.first { ($0["text"] as? String)?.contains(permalink) == true }?["id"] as? String
        if statusId == nil { usleep(10_000) }
    }
    let start = Date()
    Thread.sleep(forTimeInterval: window)
    let requests = json(try curl(["-s", mastodon + "/_fake/requests"])) as? [String] ?? []
    let sent = requests.filter { $0 == "GET /api/v1/statuses/\(statusId ?? "")/context" }.count
    let predicted = BackfeedSchedule(first: 1).looks(posted: start).filter { $0.timeIntervalSince(start) <= window }.count
    print("")
    print("| one copy's first \(Int(window)) s (first look at 1 s) | looks the schedule books | context reads the server sent |")
    print("| --- | --- | --- |")
    print("| Mastodon | \(predicted) | \(sent) |")
}
