// `bench listeners`: what counting downloads costs the requests that carry
// them. Two release servers with one episode each, one counting and one
// started with `--no-listener-counts`, take turns under `wrk` (three rounds
// of 5 s each, 2 threads, 16 connections): 64 KB ranged requests and whole
// files, every request from a different app (a new listener each time, the
// counter's costliest case). Reports the median requests per second of each
// and their ratio.
import Foundation
import TestSupport

func listenerBenchmark() throws {
    let scratch = scratchFolder("listeners")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let episode = try fixture { try await Fixtures.tone(in: scratch, name: "episode.wav", seconds: 120) }
    let counting = try ServerUnderTest(name: "counting")
    let silent = try ServerUnderTest(name: "not-counting", extraArguments: ["--no-listener-counts"])
    defer {
        counting.stop()
        silent.stop()
    }
    var enclosures: [String] = []
    for server in [counting, silent] {
        _ = try server.publish(episode, as: "audio", name: "Measured")
        while server.processingCount() > 0 { usleep(200_000) }
        let feed = try curl(["-s", server.base + "/podcast.xml"])
        guard let url = feed.components(separatedBy: "<enclosure url=\"").dropFirst().first?.prefix(while: { $0 != "\"" }) else {
            fatalError("listeners: no enclosure in the feed")
        }
        enclosures.append(String(url))
    }
    // A different user agent per request: every request is a new listener.
    let newListener = scratch.appendingPathComponent("listener.lua")
    let ranged = scratch.appendingPathComponent("ranged.lua")
    let agents = #"request = function() wrk.headers["User-Agent"] = "BenchApp/" .. math.random(1, 1000000000) return wrk.format() end"#
    try (agents + "\n").write(to: newListener, atomically: true, encoding: .utf8)
    try (#"wrk.headers["Range"] = "bytes=65536-131071""# + "\n" + agents + "\n").write(to: ranged, atomically: true, encoding: .utf8)

    func rate(_ url: String, _ script: URL) -> Double {
        let output = String(decoding: runTool("wrk", ["-t2", "-c16", "-d5s", "-s", script.path, url]), as: UTF8.self)
        let line = output.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") } ?? ""
        return Double(line.split(separator: " ").last ?? "") ?? 0
    }
    print("| enclosure requests per second (wrk, 2 threads, 16 connections, 5 s, median of 3) | counting | not counting | counting costs |")
    print("| --- | --- | --- | --- |")
    for (label, script) in [("64 KB ranges, a new listener each", ranged), ("whole 2-minute MP3, a new listener each", newListener)] {
        var on: [Double] = []
        var off: [Double] = []
        for _ in 0..<3 {
            on.append(rate(enclosures[0], script))
            off.append(rate(enclosures[1], script))
        }
        let cost = (1 - median(on) / median(off)) * 100
        print("| \(label) | \(Int(median(on))) | \(Int(median(off))) | \(String(format: "%.1f", cost)) % |")
    }
}
