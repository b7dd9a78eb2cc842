import AsyncHTTPClient
import Foundation
import MicrocastApp
import MicrocastCore
import TestSupport

// `bench bucket [MEGABYTES] [ROUNDS]`: the same server (release build,
// requests only) with its media in the data folder and in a bucket on a
// local SeaweedFS, side by side in one run: a large upload's throughput and
// the server's memory growth while it is taken in, then serving an episode
// under `wrk`.

func bucketBenchmark(megabytes: Int, rounds: Int) throws {
    let folder = scratchFolder("bucket")
    defer { try? FileManager.default.removeItem(at: folder) }
    let (big, bytes) = try pcmRecording(in: folder, name: "long.wav", bytes: megabytes * 1_048_576)
    let episode = folder.appendingPathComponent("episode.mp3")
    runTool("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=300", "-t", "120", "-b:a", "128k", "-y", episode.path])

    // Larger volumes: the rounds write gigabytes.
    let seaweed = SeaweedServer(volumes: 400, volumeSizeMB: max(64, megabytes / 4))
    let endpoint = try fixture { try await seaweed.endpoint() }
    let location = BucketLocation(endpoint: endpoint.url, bucket: "bench-\(getpid())", region: "us-east-1", pathStyle: true)
    let credentials = ["AWS_ACCESS_KEY_ID": endpoint.accessKeyId, "AWS_SECRET_ACCESS_KEY": endpoint.secretAccessKey]
    try fixture {
        let s3 = S3Client(
            location: location,
            credentials: AWSCredentials(accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey),
            http: HTTPClient.shared
        )
        try await s3.createBucket()
    }
    // What the bucket itself takes: the same file put by this process, part by part, then copied inside it.
    let (putSeconds, copySeconds) = try fixture {
        let s3 = S3Client(
            location: location,
            credentials: AWSCredentials(accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey),
            http: HTTPClient.shared
        )
        let start = ContinuousClock.now
        try await s3.putFile("direct/long.wav", file: big, contentType: "audio/wav", sha256: "")
        let put = ContinuousClock.now
        try await s3.copy("direct/long.wav", to: "direct/copy.wav")
        let copied = ContinuousClock.now
        try await s3.delete("direct/long.wav")
        try await s3.delete("direct/copy.wav")
        return ((put - start).seconds, (copied - put).seconds)
    }
    let uploadLimit = ["--max-upload-mb", "\(megabytes * 2)"]
    let local = try ServerUnderTest(name: "bucket-local", workers: 0, extraArguments: uploadLimit)
    defer { local.stop() }
    let bucket = try ServerUnderTest(
        name: "bucket-s3",
        workers: 0,
        extraArguments: uploadLimit + ["--media-store", location.description],
        environment: credentials
    )
    defer { bucket.stop() }
    print(
        "bucket: \(Int(bytes / 1_048_576)) MiB WAV uploaded with curl, median of \(rounds); the same server (release, --workers 0), folder against SeaweedFS on loopback"
    )

    /// Seconds for an upload, and the server's resident memory at its peak above where it started.
    func measured(_ server: ServerUnderTest) -> (seconds: Double, growthMB: Double) {
        final class Peak: @unchecked Sendable {
            let lock = NSLock()
            var megabytes = 0.0
            var sampling = true
        }
        let start = server.residentMB
        let peak = Peak()
        let sampler = Thread {
            while peak.lock.withLock({ peak.sampling }) {
                let now = server.residentMB
                peak.lock.withLock { peak.megabytes = max(peak.megabytes, now) }
                usleep(20_000)
            }
        }
        sampler.start()
        let time = server.upload(big)
        usleep(50_000)
        peak.lock.withLock { peak.sampling = false }
        return (time, max(0, peak.lock.withLock { peak.megabytes } - start))
    }
    var folderRuns: [(seconds: Double, growthMB: Double)] = []
    var bucketRuns: [(seconds: Double, growthMB: Double)] = []
    for _ in 0..<rounds {
        folderRuns.append(measured(local))
        bucketRuns.append(measured(bucket))
    }
    let folderSeconds = median(folderRuns.map(\.seconds))
    let bucketSeconds = median(bucketRuns.map(\.seconds))
    print("| \(Int(bytes / 1_048_576)) MiB upload | seconds | MB/s | memory growth (peak RSS − start) |")
    print("| --- | --- | --- | --- |")
    print(
        String(
            format: "| data folder | %.2f | %.0f | %.0f MB |",
            folderSeconds,
            bytes / folderSeconds / 1_048_576,
            folderRuns.map(\.growthMB).max() ?? 0
        )
    )
    print(
        String(format: "| bucket | %.2f | %.0f | %.0f MB |", bucketSeconds, bytes / bucketSeconds / 1_048_576, bucketRuns.map(\.growthMB).max() ?? 0)
    )
    print(String(format: "| the bucket alone: S3Client.putFile from the benchmark | %.2f | %.0f | |", putSeconds, bytes / putSeconds / 1_048_576))
    print(String(format: "| the bucket alone: one server-side copy | %.2f | %.0f | |", copySeconds, bytes / copySeconds / 1_048_576))
    print(String(format: "bucket throughput / folder throughput: %.0f %%", folderSeconds / bucketSeconds * 100))

    // Serving: a two-minute MP3 whole, and in 64 KB ranges, as players ask.
    func enclosure(_ server: ServerUnderTest) -> String {
        let output =
            (try? curl([
                "-s", "-D", "-", "-o", "/dev/null", "-H", "Authorization: Bearer \(server.token)", "-F", "file=@\(episode.path)",
                server.base + "/micropub/media",
            ])) ?? ""
        guard let line = output.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("location:") }) else {
            fatalError("bucket: the episode was not taken: \(output)")
        }
        return line.dropFirst("location:".count).trimmingCharacters(in: .whitespaces)
    }
    let urls = (enclosure(local), enclosure(bucket))
    let ranged = folder.appendingPathComponent("ranged.lua")
    try #"wrk.headers["Range"] = "bytes=65536-131071""#.write(to: ranged, atomically: true, encoding: .utf8)
    func rate(_ url: String, _ script: URL?) -> Double {
        let output = String(decoding: runTool("wrk", ["-t2", "-c16", "-d5s"] + (script.map { ["-s", $0.path] } ?? []) + [url]), as: UTF8.self)
        let line = output.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") } ?? ""
        return Double(line.split(separator: " ").last ?? "") ?? 0
    }
    print("| serving a 2-minute MP3 (wrk, 2 threads, 16 connections, 5 s, median of 3) | data folder | bucket | bucket / folder |")
    print("| --- | --- | --- | --- |")
    for (label, script) in [("64 KB ranges", Optional(ranged)), ("whole file", nil)] {
        var fromFolder: [Double] = []
        var fromBucket: [Double] = []
        for _ in 0..<3 {
            fromFolder.append(rate(urls.0, script))
            fromBucket.append(rate(urls.1, script))
        }
        print(
            "| \(label) | \(Int(median(fromFolder))) | \(Int(median(fromBucket))) | \(String(format: "%.2f", median(fromBucket) / median(fromFolder))) |"
        )
    }
}
