// `bench studio [MEGABYTES] [ROUNDS]`: the studio's upload path against the
// Micropub media endpoint, on one file, in the same run, against a release
// `microcast serve`:
//
// - the studio: the composer's own upload code (upload.js: tus 1.0 in 8 MB
//   chunks over XMLHttpRequest) in headless Chromium, signed in as the owner;
// - `curl -F file=@…` to the media endpoint, as the fastest client would.
//
// Also prints the bytes of HTML, CSS and script each studio page loads.
import Foundation

func studioBenchmark(megabytes: Int, rounds: Int) throws {
    let server = try ServerUnderTest(name: "studio", workers: 0)
    defer { server.stop() }
    let folder = scratchFolder("studio")
    defer { try? FileManager.default.removeItem(at: folder) }
    let (file, bytes) = try pcmRecording(in: folder, name: "upload.wav", bytes: megabytes * 1_000_000)

    var curlSeconds: [Double] = []
    for _ in 0..<rounds { curlSeconds.append(server.upload(file)) }
    let script = repository.appendingPathComponent("Benchmarks/Bench/studio_upload.py")
    let output = runTool("python3", [script.path, server.base, ServerUnderTest.passphrase, file.path, "\(rounds)"])
    let report = (try? JSONSerialization.jsonObject(with: output)) as? [String: Any] ?? [:]
    let studioSeconds = (report["seconds"] as? [Double] ?? []).filter { $0 > 0 }
    guard studioSeconds.count == rounds else { fatalError("studio uploads failed: \(String(decoding: output, as: UTF8.self))") }

    let curlRate = bytes / median(curlSeconds) / 1_048_576
    let studioRate = bytes / median(studioSeconds) / 1_048_576
    print(
        String(
            format: "upload of %.0f MB, median of %d: curl to the media endpoint %.2f s (%.0f MB/s); studio (Chromium, tus) %.2f s (%.0f MB/s)",
            bytes / 1_048_576,
            rounds,
            median(curlSeconds),
            curlRate,
            median(studioSeconds),
            studioRate
        )
    )
    print(String(format: "studio throughput / curl: %.0f %% (goal ≥ 80 %%)", studioRate / curlRate * 100))
    let weights = report["weights"] as? [String: Int] ?? [:]
    for (page, weight) in weights.sorted(by: { $0.key < $1.key }) {
        print(String(format: "studio page /studio/%@: %.1f KB of HTML, CSS and script (goal < 60 KB)", page, Double(weight) / 1024))
    }
}
