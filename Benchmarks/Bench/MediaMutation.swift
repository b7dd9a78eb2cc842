import Foundation
import MediaKit
import MediaModel
import MediaSandbox
import Synchronization
import TestSupport

/// The mutated-media campaign (`scripts/fuzz-media`): for every format we
/// accept, `perFormat` damaged copies of a file the suite makes, each run by a
/// media child built with AddressSanitizer (`fuzz media-child`, driven by a
/// `MediaChildPool` as the server drives its own) through inspection, the
/// public copy and the full job of its kind, under a time limit of `seconds`.
/// A child that crashes, that the sanitizer stops, or that outlives the limit
/// is a finding: its input is kept under `test-artifacts/fuzz-media/` beside
/// its log, and the command fails. Exits non-zero on any finding.
func mutationCampaign(perFormat: Int, child: String, seconds: Int, seed: UInt64) throws {
    let artifacts = repository.appendingPathComponent("test-artifacts/fuzz-media", isDirectory: true)
    try? FileManager.default.removeItem(at: artifacts)
    try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
    let scratch = scratchFolder("mutate")
    defer { try? FileManager.default.removeItem(at: scratch) }

    let fixtures = try mutationFixtures(in: scratch.appendingPathComponent("fixtures", isDirectory: true))
    // Every original must go all the way through, or its mutants test nothing past the refusal.
    for fixture in fixtures {
        let original = Trial(fixture: fixture, seed: 0, mutate: false)
        let result = original.run(child: child, seconds: seconds, folder: scratch, artifacts: artifacts)
        guard result.outcome == "processed" else {
            say("mutate: the unmutated \(fixture.format) fixture was not processed: \(result.reason ?? "\(result.finding.map(\.rawValue) ?? "?")")")
            exit(1)
        }
    }
    let trials = fixtures.flatMap { fixture in (0..<perFormat).map { Trial(fixture: fixture, seed: seed &+ UInt64($0)) } }
    say("mutate: every unmutated fixture processed; \(trials.count) mutants of \(fixtures.count) formats, \(seconds) s each at most, seed \(seed)")

    let next = Mutex(0)
    let results = Mutex<[TrialResult]>([])
    let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    let started = ContinuousClock.now
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        let folder = scratch.appendingPathComponent("worker-\(worker)", isDirectory: true)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        while true {
            let index = next.withLock { index -> Int in
                defer { index += 1 }
                return index
            }
            guard index < trials.count else { return }
            let result = trials[index].run(child: child, seconds: seconds, folder: folder, artifacts: artifacts)
            let done = results.withLock { results -> Int in
                results.append(result)
                return results.count
            }
            if done % 50 == 0 || done == trials.count {
                let elapsed = Int(started.duration(to: .now).components.seconds)
                say("mutate: \(done)/\(trials.count) after \(elapsed) s")
            }
        }
    }

    let report = MutationReport(results: results.withLock { $0 }, fixtures: fixtures)
    let text = report.table()
    say(text)
    try text.write(to: artifacts.appendingPathComponent("report.txt"), atomically: true, encoding: .utf8)
    if report.findings > 0 {
        say("mutate: \(report.findings) findings; inputs and logs in \(artifacts.path)")
        exit(1)
    }
}

/// One accepted format and the file its mutants are made from.
struct MutationFixture {
    var format: String
    var file: URL
}

/// A small file of every format we accept, made with the command-line tools.
func mutationFixtures(in folder: URL) throws -> [MutationFixture] {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    func file(_ name: String) -> URL { folder.appendingPathComponent(name) }
    var made: [MutationFixture] = []
    let jpeg = try fixture { try await Fixtures.sidewaysJPEGWithGPS(in: folder, name: "photo.jpg") }
    made.append(.init(format: "jpg", file: jpeg))
    let png = try fixture { try await Fixtures.png(in: folder, name: "photo.png", size: "320x200") }
    made.append(.init(format: "png", file: png))
    for format in ["webp", "tif", "heic", "avif"] {
        try Fixtures.run("vips", ["copy", png.path, file("photo.\(format)").path])
        made.append(.init(format: format, file: file("photo.\(format)")))
    }
    made.append(.init(format: "gif", file: try fixture { try await Fixtures.gif(in: folder, name: "photo.gif") }))
    for format in ["mp3", "m4a", "wav", "flac", "ogg"] {
        made.append(.init(format: format, file: try fixture { try await Fixtures.tone(in: folder, name: "episode.\(format)", seconds: 2) }))
    }
    // Small clips with sound, so a mutant's job is quick and the campaign large.
    let clips: [(String, [String])] = [
        ("mp4", ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]),
        ("mov", ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-metadata:s:v:0", "rotate=90"]),
        ("mkv", ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "libopus"]),
        ("webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"]),
    ]
    for (format, codecs) in clips {
        try Fixtures.run(
            "ffmpeg",
            ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-f", "lavfi", "-i", "sine=frequency=330", "-t", "1"]
                + codecs + [file("clip.\(format)").path]
        )
        made.append(.init(format: format, file: file("clip.\(format)")))
    }
    return made
}

/// One mutant: made from its fixture and seed, run in its own child.
struct Trial {
    var fixture: MutationFixture
    var seed: UInt64
    var mutate = true

    var name: String { "\(fixture.format)-\(seed)" }

    func run(child: String, seconds: Int, folder: URL, artifacts: URL) -> TrialResult {
        var mutator = Mutator(seed: seed)
        let original = (try? Data(contentsOf: fixture.file)).map { [UInt8]($0) } ?? []
        let (bytes, applied) = mutate ? mutator.mutate(original, fileExtension: fixture.format) : (original, [])
        let input = folder.appendingPathComponent("mutant.\(fixture.format)")
        let errors = folder.appendingPathComponent("err.log")
        var result = TrialResult(format: fixture.format, mutations: applied.map(\.rawValue))
        do {
            try Data(bytes).write(to: input)
            FileManager.default.createFile(atPath: errors.path, contents: nil)
            let log = try FileHandle(forWritingTo: errors)
            defer { try? log.close() }
            let observed = ChildObservations()
            var configuration = childConfiguration(child, errors: log)
            // As the server's: it reads its input's folder, and writes in the renditions beneath it.
            configuration.files = Sandbox.Files(readable: [folder.path], writable: [folder.appendingPathComponent("renditions").path])
            configuration.environment["TMPDIR"] = folder.appendingPathComponent("renditions").path
            let pool = MediaChildPool(configuration, events: observed.events)
            defer { pool.shutdown() }
            let started = ContinuousClock.now
            let (outcome, reason) = Self.process(input, in: folder, pool: pool, seconds: Double(seconds))
            let elapsed = started.duration(to: .now)
            result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            result.outcome = outcome
            result.reason = reason
            result.peakKilobytes = observed.peak
            let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            if text.contains("ERROR: AddressSanitizer") || text.contains("ERROR: LeakSanitizer") || text.contains("runtime error:") {
                result.finding = .sanitizer
            } else if observed.crashed {
                result.finding = .crash
            } else if outcome == "timeout" {
                result.finding = .timeout
            }
            if let finding = result.finding {
                let kept = artifacts.appendingPathComponent("\(finding.rawValue)-\(name).\(fixture.format)")
                try? FileManager.default.copyItem(at: input, to: kept)
                try? FileManager.default.copyItem(at: errors, to: kept.appendingPathExtension("log"))
            }
        } catch {
            result.finding = .crash
            result.reason = "could not run the child: \(error)"
        }
        return result
    }

    /// The campaign's child: the sanitized build's `media-child`, one per
    /// trial, inside the same sandbox as the server's but without the
    /// address-space limit (AddressSanitizer reserves terabytes it never
    /// touches), its standard error into the trial's log, and no second try
    /// after a crash (a crash is the finding).
    func childConfiguration(_ child: String, errors: FileHandle) -> MediaChildPool.Configuration {
        var configuration = MediaChildPool.Configuration(executable: URL(fileURLWithPath: child), size: 1)
        configuration.limits.memoryBytes = 0
        configuration.errors = errors
        configuration.crashLoopLimit = 1
        // Leaks are `scripts/leaks`'s job; here the allocator must fail
        // softly so a huge declared size is a refusal, not an abort. The
        // sandbox refuses execve, so the report is not symbolized here.
        configuration.environment["ASAN_OPTIONS"] = "detect_leaks=0:allocator_may_return_null=1:symbolize=0"
        configuration.environment["VIPS_WARNING"] = "0"
        return configuration
    }

    /// The file through everything the server does with an upload of it,
    /// in the child: inspection, the location-free public copy, and the
    /// processing job of its kind, under one time limit.
    static func process(_ input: URL, in folder: URL, pool: MediaChildPool, seconds: Double) -> (outcome: String, reason: String?) {
        let control = JobControl(deadline: .now + .seconds(seconds))
        let presets: Presets
        do {
            presets = try Presets.load(from: repository.appendingPathComponent("Presets"))
        } catch {
            return ("refused", "presets: \(error)")
        }
        let renditions = folder.appendingPathComponent("renditions", isDirectory: true)
        try? FileManager.default.removeItem(at: renditions)
        try? FileManager.default.createDirectory(at: renditions, withIntermediateDirectories: true)
        do throws(MediaError) {
            let probe = try pool.inspect(path: input.path, limits: MediaLimits(), seconds: seconds)
            let format = MediaFormat.withMIMEType(probe.mimeType) ?? (try? Prober.sniff(path: input.path)) ?? nil
            if let format, RemoveLocation.isNeeded(for: probe) {
                let copy = renditions.appendingPathComponent(".public-copy.tmp")
                _ = try pool.removeLocation(from: input.path, format: format, to: copy, control: control)
            }
            switch probe.kind {
            case .photo:
                _ = try pool.photoRenditions(from: input.path, preset: presets.photo, folder: renditions, stem: "trial", control: control)
            case .audio:
                _ = try pool.podcastAudio(
                    from: input.path,
                    into: renditions,
                    preset: presets.audio,
                    tags: AudioTags(title: "Trial"),
                    cover: nil,
                    limits: MediaLimits(),
                    control: control
                )
            case .video:
                _ = try pool.webVideo(
                    from: input.path,
                    into: renditions,
                    preset: presets.video,
                    posterEncodings: presets.photo.encodings,
                    limits: MediaLimits(),
                    stem: "trial",
                    control: control
                )
            case .text:
                break
            }
            return ("processed", nil)
        } catch {
            if case .interrupted(let why) = error { return ("timeout", why) }
            return ("refused", error.description)
        }
    }
}

/// What a trial's pool said of its child: whether it died, and its peak memory.
final class ChildObservations: Sendable {
    private let state = Mutex((crashed: false, peak: Int?.none))

    var crashed: Bool { state.withLock { $0.crashed } }
    var peak: Int? { state.withLock { $0.peak } }

    var events: MediaChildPool.Events {
        var events = MediaChildPool.Events()
        events.crashed = { [self] _ in state.withLock { $0.crashed = true } }
        events.answered = { [self] peak in state.withLock { $0.peak = max($0.peak ?? 0, peak) } }
        return events
    }
}

struct TrialResult {
    enum Finding: String {
        case crash, sanitizer, timeout, hang
    }

    var format: String
    var mutations: [String]
    var outcome: String?
    var reason: String?
    var seconds: Double?
    var peakKilobytes: Int?
    var finding: Finding?
}

/// The campaign's figures, per format and in total.
struct MutationReport {
    var results: [TrialResult]
    var fixtures: [MutationFixture]

    var findings: Int { results.filter { $0.finding != nil }.count }

    func table() -> String {
        var lines = [
            "format   mutants  processed  refused  crashes  sanitizer  timeouts  median s  slowest s  median peak MB  max peak MB"
        ]
        func row(_ name: String, _ rows: [TrialResult]) -> String {
            let times = rows.compactMap(\.seconds).sorted()
            let peaks = rows.compactMap(\.peakKilobytes).sorted()
            func mb(_ kilobytes: Int?) -> String { kilobytes.map { String(format: "%.0f", Double($0) / 1024) } ?? "-" }
            let columns: [String] = [
                name.padding(toLength: 9, withPad: " ", startingAt: 0),
                String(rows.count), String(rows.filter { $0.outcome == "processed" }.count),
                String(rows.filter { $0.outcome == "refused" }.count),
                String(rows.filter { $0.finding == .crash }.count),
                String(rows.filter { $0.finding == .sanitizer }.count),
                String(rows.filter { $0.finding == .timeout || $0.finding == .hang }.count),
                times.isEmpty ? "-" : String(format: "%.2f", times[times.count / 2]),
                times.last.map { String(format: "%.2f", $0) } ?? "-",
                mb(peaks.isEmpty ? nil : peaks[peaks.count / 2]), mb(peaks.last),
            ]
            return columns.enumerated().map { index, value in
                index == 0 ? value : value.padding(toLength: [0, 9, 11, 9, 9, 11, 10, 10, 11, 16, 11][index], withPad: " ", startingAt: 0)
            }.joined()
        }
        for fixture in fixtures {
            lines.append(row(fixture.format, results.filter { $0.format == fixture.format }))
        }
        lines.append(row("all", results))
        // The commonest refusals, so a reader sees what the mutants ran into.
        let reasons = Dictionary(grouping: results.compactMap(\.reason)) { reason in
            String(reason.prefix(60))
        }.mapValues(\.count).sorted { $0.value > $1.value }.prefix(8)
        lines.append("")
        lines.append("commonest refusals:")
        for (reason, count) in reasons { lines.append("  \(count)  \(reason)") }
        return lines.joined(separator: "\n")
    }
}

/// Prints at once: progress reaches a log file as it happens, not when stdout's buffer fills.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
