// `bench import [EPISODES] [SECONDS]`: a show of EPISODES short episodes
// (SECONDS of speech each, 128 kb/s MP3) imported end to end from its feed on
// a loopback web server (`python3 -m http.server`), beside `ingest` of the
// same files into a fresh site, in the same run, both in-process with a
// media worker per core and as many episodes in work at once. What import
// adds is fetching the feed, downloading each file over HTTP and posting
// with its guid; the goal is under 10 % on top of the processing.
import Foundation
import Glibc
import Logging
import MediaModel
import MicrocastApp
import MicrocastCore

func importBenchmark(episodes: Int, seconds: Int) async throws {
    let folder = scratchFolder("import")
    defer { try? FileManager.default.removeItem(at: folder) }
    let presets = try Presets.load(from: repository.appendingPathComponent("Presets"))
    let served = folder.appendingPathComponent("served")
    let show = served.appendingPathComponent("show")
    try FileManager.default.createDirectory(at: show, withIntermediateDirectories: true)
    let speech = folder.appendingPathComponent("speech.wav")
    shell(["espeak-ng", "-s", "160", "-w", speech.path, String(repeating: "Welcome back to the show about publishing on your own site. ", count: 4)])
    for index in 0..<episodes {
        // A different level each, so no two files are the same bytes.
        shell([
            "ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", speech.path, "-af", "volume=\(0.5 + Double(index % 50) * 0.01)",
            "-t", "\(seconds)", "-ar", "44100", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "128k", "-metadata", "title=Episode \(index + 1)",
            show.appendingPathComponent(String(format: "episode-%04d.mp3", index)).path,
        ])
    }
    let port = 18_600 + Int(getpid() % 100)
    let base = "http://127.0.0.1:\(port)"
    var items = ""
    for index in 0..<episodes {
        let name = String(format: "episode-%04d.mp3", index)
        let size = (try FileManager.default.attributesOfItem(atPath: show.appendingPathComponent(name).path)[.size] as? NSNumber)?.intValue ?? 0
        items += """
            <item><title>Episode \(index + 1)</title><guid isPermaLink="false">bench-\(index)</guid>
            <pubDate>\(DateText.rfc2822(Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 86_400)))</pubDate>
            <description>Episode \(index + 1) of the benchmark show.</description>
            <enclosure url="\(base)/show/\(name)" length="\(size)" type="audio/mpeg"/><itunes:duration>\(seconds)</itunes:duration></item>

            """
    }
    let feed = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Benchmark show</title>
        \(items)</channel></rss>
        """
    try Data(feed.utf8).write(to: served.appendingPathComponent("feed.xml"))

    let server = Process()
    server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    server.arguments = ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", served.path]
    server.standardOutput = FileHandle.nullDevice
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer { kill(server.processIdentifier, SIGKILL) }
    for _ in 0..<200 where (try? curl(["-s", "-o", "/dev/null", base + "/feed.xml"])) == nil { usleep(50_000) }

    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("import: \(episodes) episodes of \(seconds) s speech (MP3) from a loopback feed, beside ingest of the same files; \(cores) cores")
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    func services(_ name: String) async throws -> MicrocastServices {
        var configuration = ServiceConfiguration(
            dataDirectory: folder.appendingPathComponent(name),
            presets: presets,
            workerThreads: cores,
            jobPollInterval: .milliseconds(100)
        )
        configuration.writesPosts = true
        configuration.allowPrivateFetch = true
        // The baselines make no transcripts; `bench transcribe` measures them.
        configuration.transcriber = Transcriber(model: .off)
        return try await MicrocastServices.start(configuration, logger: logger)
    }

    let importing = try await services("data-import")
    var options = PodcastImportOptions(feedURL: URL(string: base + "/feed.xml")!)
    options.concurrency = cores
    let chosen = options
    let importStart = ContinuousClock.now
    let summary = try await importing.withWorker { try await importing.podcastImporter.run(chosen) { _ in } }
    let importSeconds = (ContinuousClock.now - importStart).seconds
    guard summary.imported == episodes else { fatalError("import: \(summary.text)") }

    let ingesting = try await services("data-ingest")
    var run = FolderRun.Options()
    run.once = true
    run.settle = 0
    run.keepFiles = true
    run.concurrency = cores
    let folderRun = FolderRun(folder: show, services: ingesting, options: run)
    let ingestStart = ContinuousClock.now
    let ingested = try await ingesting.withWorker { try await folderRun.run { _ in } }
    let ingestSeconds = (ContinuousClock.now - ingestStart).seconds
    guard ingested.succeeded else { fatalError("ingest failed: \(ingested.failed)") }

    print(
        String(
            format: "import %.2f s (%.0f episodes/min); ingest of the same files %.2f s (%.0f episodes/min) → import adds %.1f %%",
            importSeconds,
            Double(episodes) / (importSeconds / 60),
            ingestSeconds,
            Double(episodes) / (ingestSeconds / 60),
            (importSeconds / ingestSeconds - 1) * 100
        )
    )
}
