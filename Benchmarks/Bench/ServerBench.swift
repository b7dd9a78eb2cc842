// A real `microcast serve` (the release binary built beside this one), driven
// over HTTP by `curl` as clients drive it:
//
// - `bench uploads`: with both media threads busy on long video jobs, how long
//   a photo upload and the owner's sign-in take to answer; then p50/p99 of
//   100 16-megapixel uploads from 8 clients at once.
// - `bench backlog [PHOTOS]`: PHOTOS 4096 × 4096 JPEG uploads from 8 clients
//   on a quiet server, its resident memory sampled every 100 ms: the peak,
//   after the first 10 photos are processed, and after the whole backlog.
import Foundation
import Glibc
import Synchronization

/// One server process with its own data folder, token and owner passphrase.
/// Immutable once started, so clients on several threads share it.
final class ServerUnderTest: @unchecked Sendable {
    let process = Process()
    let base: String
    let data: URL
    let token: String
    static let passphrase = "correct horse battery staple"
    private static let started = Atomic<Int>(0)

    init(name: String, workers: Int? = nil, extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        data = scratchFolder("server-\(name)")
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("microcast")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            fatalError("build the server first: swift build -c release (looked for \(binary.path))")
        }
        token = String(decoding: run(binary, ["token", "create", "--data", data.path, "--scope", "create media delete"]), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        _ = run(binary, ["owner", "password", "--data", data.path], input: Self.passphrase + "\n")
        // Several servers in one benchmark: each its own port.
        let port = 18_600 + Int(getpid() % 1000) + Self.started.add(1, ordering: .relaxed).oldValue
        base = "http://127.0.0.1:\(port)"
        process.executableURL = binary
        process.arguments =
            [
                "serve", "--data", data.path, "--port", "\(port)", "--presets", repository.appendingPathComponent("Presets").path,
                "--transcribe-model", "off",
            ]
            + (workers.map { ["--workers", "\($0)"] } ?? []) + extraArguments
        process.standardOutput = FileHandle.nullDevice
        // Its log beside the data folder, kept after it stops: what a failed run says.
        let log = data.deletingLastPathComponent().appendingPathComponent("server-\(name).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = (try? FileHandle(forWritingTo: log)) ?? FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
        for _ in 0..<200 {
            if (try? curl(["-sf", "-o", "/dev/null", base + "/health"])) != nil { return }
            usleep(50_000)
        }
        fatalError("the server did not start")
    }

    func stop() {
        stopProcess()
        try? FileManager.default.removeItem(at: data)
    }

    /// Stops the server and leaves its data folder, for a look into its store.
    func stopProcess() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// How many files, sockets and pipes the server holds open now.
    var openDescriptors: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd")) ?? []).count
    }

    /// Uploads a file and publishes it in a post (`field` is `photo`, `audio` or `video`);
    /// the media's and the post's paths. Fails the benchmark if either is refused.
    func publish(_ file: URL, as field: String, name: String?) throws -> (media: String, post: String) {
        let result = tryPublish(file, as: field, name: name)
        guard result.status == "201" else { fatalError("publishing \(file.lastPathComponent) failed: \(result.status)") }
        return (result.media, result.post)
    }

    /// Deletes a post by its path (Micropub `action=delete`); fails the benchmark if refused.
    func delete(_ post: String) {
        let status =
            (try? curl([
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)",
                "-d", "action=delete", "--data-urlencode", "url=\(base)\(post)", base + "/micropub",
            ])) ?? "000"
        guard status == "204" || status == "200" else { fatalError("deleting \(post) failed: \(status)") }
    }

    /// Uploads and publishes; the first answer that was not 201 (or "201"),
    /// seconds for both requests, and the media's and the post's paths.
    func tryPublish(_ file: URL, as field: String, name: String?) -> (status: String, seconds: Double, media: String, post: String) {
        func created(_ arguments: [String], to path: String) -> (status: String, seconds: Double, location: String) {
            let output =
                (try? curl(
                    ["-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %header{location}", "-H", "Authorization: Bearer \(token)"]
                        + arguments + [base + path]
                )) ?? "000 0"
            let parts = output.split(separator: " ", maxSplits: 2).map(String.init)
            let location = parts.count > 2 ? (URL(string: parts[2])?.path ?? parts[2]) : ""
            return (parts.first ?? "000", Double(parts.count > 1 ? parts[1] : "") ?? 0, location)
        }
        let upload = created(["-F", "file=@\(file.path)"], to: "/micropub/media")
        guard upload.status == "201" else { return (upload.status, upload.seconds, "", "") }
        var form = ["-d", "h=entry", "--data-urlencode", "\(field)=\(base)\(upload.location)"]
        if let name { form += ["--data-urlencode", "name=\(name)"] }
        let post = created(form, to: "/micropub")
        return (post.status, upload.seconds + post.seconds, upload.location, post.location)
    }

    /// The service's memory now, in megabytes: the proportional set size
    /// (PSS) of the server and its children (the media children decode in
    /// their own processes). Resident sizes added up would count the
    /// libraries they share once per process (50 MB a child); PSS divides
    /// each shared page among the processes that map it.
    var residentMB: Double {
        let server = process.processIdentifier
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init).filter { pid in
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            return status.split(separator: "\n").contains("PPid:\t\(server)")
        }
        return ([server] + children).map(Self.residentMB(of:)).reduce(0, +)
    }

    static func residentMB(of pid: Int32) -> Double {
        let rollup = (try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)) ?? ""
        let line = rollup.split(separator: "\n").first { $0.hasPrefix("Pss:") } ?? ""
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }

    /// Uploads a file to the media endpoint; returns seconds to the answer.
    func upload(_ file: URL) -> Double {
        let output =
            (try? curl([
                "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-H", "Authorization: Bearer \(token)",
                "-F", "file=@\(file.path)", base + "/micropub/media",
            ])) ?? ""
        let parts = output.split(separator: " ")
        guard parts.first == "201", let time = parts.last.flatMap({ Double($0) }) else { fatalError("upload failed: \(output)") }
        return time
    }

    /// Signs in as the owner, as a browser does (the form's CSRF cookie, then
    /// the passphrase); returns seconds for the sign-in POST.
    func signIn() -> Double {
        let jar = data.appendingPathComponent("cookies-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: jar) }
        let form = (try? curl(["-s", "-c", jar.path, base + "/studio/sign-in"])) ?? ""
        guard let csrf = form.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix(while: { $0 != "\"" }) else {
            fatalError("no sign-in form")
        }
        let output =
            (try? curl([
                "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-b", jar.path,
                "--data-urlencode", "csrf=\(csrf)", "--data-urlencode", "passphrase=\(Self.passphrase)",
                "--data-urlencode", "next=\(base)/studio", base + "/auth/sign-in",
            ])) ?? ""
        let parts = output.split(separator: " ")
        guard parts.first == "303", let time = parts.last.flatMap({ Double($0) }) else { fatalError("sign-in failed: \(output)") }
        return time
    }

    /// Uploads still waiting for their job, as a client reads them from the media endpoint.
    func processingCount() -> Int {
        var count = 0
        var offset = 0
        while true {
            let text =
                (try? curl(["-s", "-H", "Authorization: Bearer \(token)", base + "/micropub/media?q=source&limit=100&offset=\(offset)"])) ?? ""
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            let items = object?["items"] as? [[String: Any]] ?? []
            count += items.filter { $0["state"] as? String == "processing" }.count
            guard items.count == 100 else { return count }
            offset += 100
        }
    }
}

@discardableResult
func run(_ binary: URL, _ arguments: [String], input: String? = nil) -> Data {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let output = Pipe()
    let stdin = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    process.standardInput = stdin
    do { try process.run() } catch { fatalError("cannot run \(binary.path): \(error)") }
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try? stdin.fileHandleForWriting.close()
    let data = readAll(output.fileHandleForReading)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fatalError("\(binary.lastPathComponent) \(arguments.joined(separator: " ")) failed") }
    return data
}

private struct CurlFailed: Error {}

func curl(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = readAll(output.fileHandleForReading)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CurlFailed() }
    return String(decoding: data, as: UTF8.self)
}

/// Runs `count` calls of `body` from `clients` threads at once; returns each call's result.
private func concurrently(count: Int, clients: Int, _ body: @escaping @Sendable (Int) -> Double) -> [Double] {
    let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
    defer { results.deallocate() }
    let next = NSLock()
    nonisolated(unsafe) var index = 0
    nonisolated(unsafe) let shared = results
    DispatchQueue.concurrentPerform(iterations: clients) { _ in
        while true {
            next.lock()
            let mine = index
            index += 1
            next.unlock()
            guard mine < count else { return }
            shared[mine] = body(mine)
        }
    }
    return Array(results)
}

private func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
}

private func photo(_ folder: URL, _ name: String, size: String, seed: Int) -> URL {
    let file = folder.appendingPathComponent(name)
    shell([
        "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(size)", "-vf",
        "noise=alls=20:allf=t,trim=start_frame=\(seed)", "-frames:v", "1", "-q:v", "3", file.path,
    ])
    return file
}

func uploadsBenchmark() throws {
    let folder = scratchFolder("uploads")
    defer { try? FileManager.default.removeItem(at: folder) }
    print("uploads: a real server (release build, 2 media threads) driven by curl")
    let video = folder.appendingPathComponent("long.mp4")
    shell([
        "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-f", "lavfi", "-i",
        "sine=frequency=440", "-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", video.path,
    ])
    let small = photo(folder, "photo-5mb.jpg", size: "4096x2730", seed: 1)
    let large = (0..<8).map { photo(folder, "photo-16mp-\($0).jpg", size: "4896x3264", seed: $0 * 5) }

    // Side by side: uploads and jobs decoded in sandboxed media children
    // (the default) and in the server itself: what the children cost.
    for (label, arguments) in [("media children", [String]()), ("decoded in the server", ["--media-children", "0"])] {
        print("— \(label)")
        let server = try ServerUnderTest(name: "uploads", extraArguments: arguments)
        defer { server.stop() }
        // Two long video jobs take both media threads.
        _ = server.upload(video)
        _ = server.upload(video.copy(in: folder, as: "long-2.mp4"))
        sleep(3)
        let busyUploads = (0..<5).map { _ in server.upload(small) }
        let busySignIns = (0..<5).map { _ in server.signIn() }
        print(
            String(
                format: "with two 60 s 1080p video jobs running: 5 MB photo upload median %.3f s (max %.3f s); sign-in median %.3f s (max %.3f s)",
                median(busyUploads),
                busyUploads.max()!,
                median(busySignIns),
                busySignIns.max()!
            )
        )

        let times = concurrently(count: 100, clients: 8) { index in server.upload(large[index % large.count]) }
        print(
            String(
                format: "100 uploads of 16-megapixel JPEGs from 8 clients, jobs running: p50 %.3f s, p99 %.3f s, max %.3f s",
                percentile(times, 0.5),
                percentile(times, 0.99),
                times.max()!
            )
        )
    }
}

/// The photos of `bench backlog`.
enum BacklogPhotos: String {
    /// 4096 × 4096 baseline JPEGs without metadata.
    case square
    /// As a phone takes them (16 megapixels, 4624 × 3468, turned by EXIF
    /// orientation 6, with a GPS position): each upload's location-free
    /// public copy is made on the request path before the 201, as well as
    /// its renditions by the jobs.
    case phone
    /// The phone's photos re-saved progressive.
    case progressive
}

func backlogBenchmark(photoCount: Int, kind: BacklogPhotos = .square) throws {
    let phone = kind != .square
    let folder = scratchFolder("backlog")
    defer { try? FileManager.default.removeItem(at: folder) }
    let photos = (0..<(phone ? 8 : 4)).map { index in
        guard phone else { return photo(folder, "square-\(index).jpg", size: "4096x4096", seed: index * 3) }
        let file = photo(folder, "phone-\(index).jpg", size: "4624x3468", seed: index * 3)
        // As an editor exports them: libjpeg then holds every coefficient of the photo while decoding.
        if kind == .progressive { shell(["convert", file.path, "-interlace", "JPEG", "-quality", "92", file.path]) }
        shell([
            "exiftool", "-q", "-overwrite_original", "-Orientation#=6", "-GPSLatitude=48.8584", "-GPSLatitudeRef=N",
            "-GPSLongitude=2.2945", "-GPSLongitudeRef=E", "-Make=Phone", "-Model=Camera", file.path,
        ])
        return file
    }
    print(
        "backlog: \(photoCount) uploads of \(phone ? "16-megapixel \(kind == .progressive ? "progressive " : "")phone photos (EXIF orientation, GPS)" : "4096 × 4096 JPEGs") from 8 clients to a quiet server (release build), RSS sampled every 100 ms"
    )

    let server = try ServerUnderTest(name: "backlog")
    defer { server.stop() }
    let idle = server.residentMB
    let state = NSLock()
    nonisolated(unsafe) var peak = idle
    nonisolated(unsafe) var sampling = true
    nonisolated(unsafe) var uploaded = 0
    nonisolated(unsafe) var afterTen: Double?
    let sampler = Thread {
        var tick = 0
        while state.withLock({ sampling }) {
            let now = server.residentMB
            state.withLock { peak = max(peak, now) }
            // Twice a second: how many are processed so far (uploaded, no longer waiting).
            if tick % 5 == 0 && state.withLock({ afterTen == nil }) {
                let waiting = server.processingCount()
                state.withLock { if uploaded - waiting >= 10 { afterTen = server.residentMB } }
            }
            tick += 1
            usleep(100_000)
        }
    }
    sampler.start()
    let start = ContinuousClock.now
    let times = concurrently(count: photoCount, clients: 8) { index in
        let time = server.upload(photos[index % photos.count])
        state.withLock { uploaded += 1 }
        return time
    }
    let sent = ContinuousClock.now - start
    while server.processingCount() > 0 { usleep(200_000) }
    let elapsed = ContinuousClock.now - start
    sleep(1)
    let after = server.residentMB
    state.withLock { sampling = false }
    func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    let (highest, tenth) = state.withLock { (peak, afterTen ?? 0) }
    print(
        String(
            format:
                "idle %.0f MB; peak %.0f MB; after 10 photos %.0f MB; after all %d: %.0f MB (%+.0f MB); %.2f photos/s; uploads answered in p50 %.2f s, p99 %.2f s (all sent in %.1f s)",
            idle,
            highest,
            tenth,
            photoCount,
            after,
            after - tenth,
            Double(photoCount) / seconds(elapsed),
            percentile(times, 0.5),
            percentile(times, 0.99),
            seconds(sent)
        )
    )
}

extension URL {
    fileprivate func copy(in folder: URL, as name: String) -> URL {
        let copy = folder.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: copy)
        try? FileManager.default.copyItem(at: self, to: copy)
        return copy
    }
}
