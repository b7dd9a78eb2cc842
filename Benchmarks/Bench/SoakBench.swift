// `bench soak [MINUTES]` (default 10): a real `microcast serve` under load
// for a long time, as a busy site lives. `wrk` reads pages, feeds and ranged
// media the whole time while three clients upload photos and episodes and
// publish each in a post, and the server's workers process them. Every
// second the server's resident memory and open file descriptors are
// sampled. Each client deletes its oldest post past its 40 newest, so the
// site keeps one size and memory that climbs means a leak. Reports, per
// route, requests, p50 and p99, and failures; for the uploads, their answers
// and times; for memory and descriptors, the trend over the second half.
// Afterwards every upload must have been published exactly once.
import Foundation
import Glibc
import MicrocastApp
import MicrocastCore
import Synchronization
import TestSupport

func soakBenchmark(minutes: Double) async throws {
    let duration = Int(minutes * 60)
    let server = try ServerUnderTest(name: "soak")
    let scratch = scratchFolder("soak")
    defer {
        server.stop()
        try? FileManager.default.removeItem(at: scratch)
    }
    say("soak: \(minutes) minutes against \(server.base)")

    // Something to read: a photo post and an episode, processed.
    let photo = try fixture { try await Fixtures.sidewaysJPEGWithGPS(in: scratch, name: "photo.jpg") }
    let episode = try fixture { try await Fixtures.tone(in: scratch, name: "episode.wav", seconds: 20) }
    let seededPhoto = try server.publish(photo, as: "photo", name: nil)
    _ = try server.publish(episode, as: "audio", name: "Soak episode")
    while server.processingCount() > 0 { usleep(200_000) }
    let feed = try curl(["-s", server.base + "/podcast.xml"])
    guard let enclosure = feed.components(separatedBy: "<enclosure url=\"").dropFirst().first?.prefix(while: { $0 != "\"" }) else {
        fatalError("soak: the episode is not in the feed")
    }
    let rangeScript = scratch.appendingPathComponent("range.lua")
    try #"wrk.headers["Range"] = "bytes=65536-131071""#.write(to: rangeScript, atomically: true, encoding: .utf8)
    let routes: [(name: String, url: String, script: URL?)] = [
        ("home page", server.base + "/", nil),
        ("post page", server.base + seededPhoto.post, nil),
        ("podcast RSS", server.base + "/podcast.xml", nil),
        ("JSON Feed", server.base + "/feed.json", nil),
        ("episode, ranged 64 KB", String(enclosure), rangeScript),
    ]

    // Readers: one wrk per route, so each has its own percentiles.
    let readers = try routes.map { route in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["wrk", "-t1", "-c4", "-d\(duration)s", "--timeout", "10s", "--latency"]
            + (route.script.map { ["-s", $0.path] } ?? []) + [route.url]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (route, process, output)
    }

    // Writers: three clients uploading and publishing, one file a second each.
    let end = ContinuousClock.now + .seconds(duration)
    let uploads = Mutex<[(kind: String, status: String, seconds: Double, media: String)]>([])
    let writers = Thread.detachNewThreadGroup(count: 3) { client in
        var serial = 0
        // Each client keeps its 40 newest posts and deletes the oldest, as an
        // owner tidying up would: the site stays one size, so memory that
        // climbs is a leak, not a bigger feed to render.
        var live: [String] = []
        while ContinuousClock.now < end {
            serial += 1
            let isPhoto = serial % 3 != 0
            let source = isPhoto ? photo : episode
            let file = scratch.appendingPathComponent("upload-\(client)-\(serial).\(source.pathExtension)")
            // Each a different file, so none is taken for a copy of another.
            let bytes = (try? Data(contentsOf: source)) ?? Data()
            try? (bytes + Data("\(client)-\(serial)".utf8)).write(to: file)
            let result = server.tryPublish(file, as: isPhoto ? "photo" : "audio", name: isPhoto ? nil : "Episode \(client)-\(serial)")
            uploads.withLock { $0.append((isPhoto ? "photo" : "episode", result.status, result.seconds, result.media)) }
            if result.status == "201" { live.append(result.post) }
            if live.count > 40 { server.delete(live.removeFirst()) }
            try? FileManager.default.removeItem(at: file)
            usleep(1_000_000)
        }
    }

    // The server's memory and descriptors, every second.
    var samples: [(second: Int, residentMB: Double, descriptors: Int)] = []
    for second in 0..<duration {
        samples.append((second, server.residentMB, server.openDescriptors))
        if second % 60 == 59 {
            say(
                "soak: \(second + 1) s, \(uploads.withLock { $0.count }) uploads, \(String(format: "%.0f", server.residentMB)) MB, \(server.openDescriptors) descriptors"
            )
        }
        sleep(1)
    }
    writers.wait()
    var rows: [String] = []
    var failedReads = 0
    for (route, process, output) in readers {
        let text = String(decoding: readAll(output.fileHandleForReading), as: UTF8.self)
        process.waitUntilExit()
        let report = WrkReport(text)
        failedReads += report.failures
        rows.append(
            "\(route.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(String(report.requests).padding(toLength: 10, withPad: " ", startingAt: 0)) "
                + "\(String(format: "%8.0f", report.requestsPerSecond))   p50 \(report.p50.padding(toLength: 9, withPad: " ", startingAt: 0)) p99 \(report.p99.padding(toLength: 9, withPad: " ", startingAt: 0)) failed \(report.failures)"
        )
    }

    // Every upload processed, then published exactly once.
    let done = uploads.withLock { $0 }
    let waitStart = ContinuousClock.now
    while server.processingCount() > 0, waitStart.duration(to: .now) < .seconds(600) { usleep(500_000) }
    let drained = Int(waitStart.duration(to: .now).components.seconds)
    server.stopProcess()
    let store = try await MicrocastServices.openStore(.sqlite(path: server.data.appendingPathComponent("microcast.sqlite").path), connections: 1)
    let snapshot = try await store.snapshot()
    await store.close()
    let accepted = done.filter { $0.status == "201" }
    let published = Dictionary(grouping: snapshot.postMedia, by: \.mediaId).mapValues(\.count)
    let ready = Set(snapshot.media.filter { $0.state == .ready }.map(\.id))
    let once = accepted.filter { upload in
        let id = snapshot.media.first { upload.media.contains($0.id) }?.id
        return id.map { published[$0] == 1 && ready.contains($0) } ?? false
    }

    // Trends over the second half: least-squares slope per minute.
    let half = Array(samples.dropFirst(samples.count / 2))
    func slope(_ values: [Double]) -> Double {
        let n = Double(values.count)
        let xs = (0..<values.count).map(Double.init)
        let meanX = xs.reduce(0, +) / n
        let meanY = values.reduce(0, +) / n
        let numerator = zip(xs, values).map { ($0 - meanX) * ($1 - meanY) }.reduce(0, +)
        let denominator = xs.map { ($0 - meanX) * ($0 - meanX) }.reduce(0, +)
        return denominator == 0 ? 0 : numerator / denominator * 60
    }
    let memorySlope = slope(half.map(\.residentMB))
    let descriptorSlope = slope(half.map { Double($0.descriptors) })
    let times = accepted.map(\.seconds).sorted()
    func percentile(_ fraction: Double) -> String {
        times.isEmpty ? "-" : String(format: "%.0f ms", times[min(times.count - 1, Int(Double(times.count) * fraction))] * 1000)
    }

    say("")
    say("soak: \(duration / 60) min, 2 cores; wrk: 1 thread and 4 connections per route, all at once")
    say("route                    requests       req/s   latency               failures")
    for row in rows { say(row) }
    say(
        "uploads: \(done.count) (\(done.filter { $0.kind == "photo" }.count) photos, \(done.filter { $0.kind == "episode" }.count) episodes), "
            + "\(accepted.count) answered 201, p50 \(percentile(0.5)), p99 \(percentile(0.99)); "
            + "published exactly once: \(once.count) of \(accepted.count); backlog drained \(drained) s after the load stopped"
    )
    func number(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
    let settled = samples.count > 60 ? samples[60].residentMB : samples.first?.residentMB ?? 0
    say(
        "memory: \(number(settled)) MB after the first minute, \(number(samples.map(\.residentMB).max() ?? 0)) MB peak, "
            + "\(number(samples.last?.residentMB ?? 0)) MB at the end; second-half trend \(memorySlope >= 0 ? "+" : "")\(number(memorySlope, 2)) MB/min"
    )
    say(
        "descriptors: \(half.map(\.descriptors).min() ?? 0) to \(half.map(\.descriptors).max() ?? 0) in the second half; "
            + "trend \(descriptorSlope >= 0 ? "+" : "")\(number(descriptorSlope, 2)) per minute"
    )
    // A steady state wanders by a few MB; a leak climbs minute after minute.
    let steady = memorySlope < 2 && descriptorSlope < 1
    let clean = failedReads == 0 && accepted.count == done.count && once.count == accepted.count
    say(
        "soak: \(clean && steady ? "passed" : "FAILED"): failed requests \(failedReads + done.count - accepted.count), \(steady ? "no upward trend" : "memory or descriptors climbing")"
    )
    if !(clean && steady) { exit(1) }
}

/// What `wrk --latency` prints, read back.
struct WrkReport {
    var requests = 0
    var requestsPerSecond = 0.0
    var p50 = "-"
    var p99 = "-"
    var failures = 0

    init(_ text: String) {
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("50%") { p50 = String(fields.last ?? "-") }
            if line.hasPrefix("99%") { p99 = String(fields.last ?? "-") }
            if line.hasPrefix("Requests/sec:") { requestsPerSecond = Double(fields.last ?? "") ?? 0 }
            if line.contains("requests in") { requests = Int(fields.first ?? "") ?? 0 }
            // "Non-2xx or 3xx responses: N" and "Socket errors: connect N, read N, write N, timeout N".
            if line.hasPrefix("Non-2xx") { failures += Int(fields.last ?? "") ?? 0 }
            if line.hasPrefix("Socket errors:") {
                failures += line.split(separator: ",").compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
            }
        }
    }
}

extension Thread {
    /// Runs `body(index)` on `count` threads of their own; `wait()` joins them.
    static func detachNewThreadGroup(count: Int, _ body: @escaping @Sendable (Int) -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            Thread.detachNewThread {
                body(index)
                group.leave()
            }
        }
        return group
    }
}
