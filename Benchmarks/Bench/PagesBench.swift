// Pages and feeds at the rates podcast apps and feed readers poll them, side
// by side in one run: the release `microcast serve` (its default logging, one
// line a request, to a file) against nginx serving the same site's static
// export, both asked by `wrk` (2 threads, 16 connections, 5 s).
//
// The site: POSTS posts, every other one an episode (a ready recording with
// MP3 and M4A renditions), so `/feed.xml` carries POSTS items and
// `/podcast.xml` POSTS / 2. Each path is asked plainly and with
// `Accept-Encoding: gzip` (nginx then sends the `.gz` files made beside the
// export's, with `gzip_static`, its fastest way), and the server with `br` too.
//
// Also: the first answer with a cold cache while 16 clients ask at once
// (one rendering serves them all), and a feed's first answer after one new
// post (the other items' XML is reused).
import Foundation
import Glibc
import MediaModel
import MicrocastApp
import MicrocastCore
import Synchronization

func pagesBenchmark(posts postCount: Int) async throws {
    let server = try ServerUnderTest(name: "pages", workers: 0)
    defer { server.stop() }
    FileHandle.standardError.write(Data("bench pages: writing \(postCount) posts…\n".utf8))
    let store = try await MicrocastServices.openStore(.embedded(in: server.data))
    try await seedSite(store, data: server.data, posts: postCount, base: server.base)

    // The cold cache: 16 clients ask for the feed at once.
    let cold = concurrentFirstAnswers(server.base + "/feed.xml", clients: 16)

    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("microcast")
    let export = scratchFolder("pages-export")
    defer { try? FileManager.default.removeItem(at: export) }
    _ = run(binary, ["export", "--data", server.data.path, export.path])
    // nginx's fastest compressed answers: files compressed once, beside the originals.
    for name in ["index.html", "feed.xml", "podcast.xml"] {
        runTool("gzip", ["-k", "-6", "-f", export.appendingPathComponent(name).path])
    }
    let nginx = try await NginxUnderTest(root: export, port: 19_160, gzipStatic: true)
    defer { nginx.stop() }

    var rows: [String] = []
    for path in ["/", "/feed.xml", "/podcast.xml"] {
        let size =
            (try? FileManager.default.attributesOfItem(atPath: export.appendingPathComponent(path == "/" ? "index.html" : path).path)[.size] as? Int)
            ?? 0
        for encoding in ["identity", "gzip"] {
            let header = ["Accept-Encoding: \(encoding)"]
            _ = try? curl(["-s", "-o", "/dev/null", "-H", header[0], server.base + path])
            let ours = wrkRate(server.base + path, headers: header)
            let theirs = wrkRate("http://127.0.0.1:19160" + path, headers: header)
            rows.append(
                "| `\(path)` (\(size / 1024) KB), \(encoding) | \(format(ours)) | \(format(theirs)) | **\(String(format: "%.0f %%", ours / theirs * 100))** |"
            )
        }
        let brotli = wrkRate(server.base + path, headers: ["Accept-Encoding: br"])
        rows.append("| `\(path)`, br | \(format(brotli)) | (nginx-light has no Brotli) | |")
    }

    // One new post: the next feed answer renders one new item and reuses the rest.
    // (Written by this process, so the server sees it once its stamp reading
    // is older than 50 ms; the answer is checked to hold the new post.)
    _ = try await store.create(
        Post(slug: "one-more", properties: ["content": [.string("One more note.")]], published: Date()),
        mediaIds: [],
        jobs: { _ in [] }
    )
    usleep(200_000)
    let newFeed = scratchFolder("pages-feed").appendingPathComponent("feed.xml")
    let afterPost = try timed { _ = try curl(["-s", "-o", newFeed.path, server.base + "/feed.xml"]) }
    guard (try String(contentsOf: newFeed, encoding: .utf8)).contains("One more note.") else { fatalError("the new post is not in the feed") }
    await store.close()

    print("| \(postCount) posts, this machine, wrk -t2 -c16 -d5s | Microcast, requests/s | nginx on the export | Microcast ÷ nginx |")
    print("| --- | --- | --- | --- |")
    for row in rows { print(row) }
    print(
        String(
            format: "\nfirst /feed.xml answers, 16 clients at once on a cold cache: slowest %.2f s, fastest %.2f s",
            cold.max() ?? 0,
            cold.min() ?? 0
        )
    )
    print(String(format: "/feed.xml after one new post: %.2f s", afterPost))
}

/// A site of `posts` posts in `store`, every other one an episode whose
/// recording and renditions exist as rows and as one-byte files (the export
/// copies them; feeds read only their rows).
private func seedSite(_ store: any DataStore, data: URL, posts: Int, base: String) async throws {
    let urls = SiteURLs(base: base)
    for index in 0..<posts {
        var properties: MF2Properties = [
            "content": [.string("Post \(index): a paragraph of ordinary length about the day & its guests, with a link or two.")]
        ]
        var mediaIds: [String] = []
        if index % 2 == 0 {
            let id = MediaIdentifier.make()
            let item = MediaItem(
                id: id,
                kind: .audio,
                mimeType: "audio/wav",
                fileExtension: "wav",
                byteCount: 50_000_000,
                sha256: Secrets.make(),
                probe: MediaProbe(kind: .audio, format: "wav", mimeType: "audio/wav"),
                duration: 1800
            )
            try await store.add(item, processing: JobRequest(kind: .audioEpisode, subject: .media(id), maxAttempts: 3))
            let job = try await store.claim(worker: "bench", lease: 60, now: Date(), kinds: [.audioEpisode])!
            let renditions = [("mp3", "audio/mpeg"), ("m4a", "audio/mp4")].map { format, type in
                Rendition(
                    mediaId: id,
                    role: .audio(format),
                    mimeType: type,
                    byteCount: 14_400_000,
                    fileName: "\(id)-\(format).abcdef.\(format)",
                    duration: 1800,
                    bitRate: 64000
                )
            }
            try await store.complete(jobId: job.id, result: .mediaProcessed(mediaId: id, renditions: renditions, placeholder: nil), now: Date())
            FileManager.default.createFile(atPath: data.appendingPathComponent("originals/\(id).wav").path, contents: Data([0]))
            for rendition in renditions {
                FileManager.default.createFile(atPath: data.appendingPathComponent("renditions/\(rendition.fileName)").path, contents: Data([0]))
            }
            properties["name"] = [.string("Episode \(index / 2): a title of ordinary length")]
            properties["audio"] = [.string(urls.original(fileName: "\(id).wav"))]
            mediaIds = [id]
        }
        _ = try await store.create(
            Post(slug: "post-\(index)", properties: properties, published: Date(timeIntervalSince1970: 1_600_000_000 + Double(index) * 3600)),
            mediaIds: mediaIds,
            jobs: { _ in [] }
        )
    }
}

/// Seconds until each of `clients` simultaneous first requests is answered
/// (each client a thread of its own: `curl` blocks).
private func concurrentFirstAnswers(_ url: String, clients: Int) -> [Double] {
    let times = Mutex<[Double]>([])
    let threads = (0..<clients).map { _ in
        Thread {
            let seconds = (try? timed { _ = try curl(["-s", "-o", "/dev/null", url]) }) ?? .nan
            times.withLock { $0.append(seconds) }
        }
    }
    for thread in threads { thread.start() }
    while times.withLock({ $0.count }) < clients { usleep(10_000) }
    return times.withLock { $0 }
}

private func timed(_ body: () throws -> Void) throws -> Double {
    let start = ContinuousClock.now
    try body()
    return (ContinuousClock.now - start).seconds
}

/// Requests per second from `wrk` with `headers`; 0 when any answer was not 2xx.
func wrkRate(_ url: String, headers: [String] = []) -> Double {
    let output = String(decoding: runTool("wrk", ["-t2", "-c16", "-d5s"] + headers.flatMap { ["-H", $0] } + [url]), as: UTF8.self)
    if output.contains("Non-2xx") { return 0 }
    let line = output.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") } ?? ""
    return Double(line.split(separator: " ").last ?? "") ?? 0
}

private func format(_ rate: Double) -> String {
    rate >= 1000 ? String(format: "%.0f", rate) : String(format: "%.1f", rate)
}
