// `bench deliver [FOLLOWERS] [INBOXES] [POSTS]`: a release server delivering
// to the fediverse. FOLLOWERS followers spread over INBOXES shared inboxes
// (one loopback receiver, Benchmarks/Bench/inboxes.py); POSTS notes
// published one after another; measured from the first publish until every
// inbox has every post's signed Create, and the server's resident memory
// before, at its peak (sampled every 100 ms), at each tenth of the
// deliveries and after. Beside it, the same number of bodies POSTed by
// curl, eight at a time and unsigned: the floor of HTTP to that receiver on
// this machine.
import Foundation
import Glibc
import MicrocastApp
import MicrocastCore
import Synchronization

func deliveryBenchmark(followers: Int, inboxes: Int, posts: Int) async throws {
    let port = 18_500 + Int(getpid() % 100)
    let receiverBase = "http://127.0.0.1:\(port)"
    let receiver = Process()
    receiver.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    receiver.arguments = ["python3", repository.appendingPathComponent("Benchmarks/Bench/inboxes.py").path, String(port)]
    receiver.standardOutput = FileHandle.nullDevice
    receiver.standardError = FileHandle.nullDevice
    try receiver.run()
    // SIGKILL: the receiver survived SIGTERM (left running after every run).
    defer { kill(receiver.processIdentifier, SIGKILL) }
    func count() -> (count: Int, first: Double, last: Double) {
        let answer = (try? curl(["-s", receiverBase + "/_count"])).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
        let fields = answer as? [String: Any] ?? [:]
        return (fields["count"] as? Int ?? -1, fields["first"] as? Double ?? 0, fields["last"] as? Double ?? 0)
    }
    for _ in 0..<200 where count().count < 0 { usleep(50_000) }

    let server = try ServerUnderTest(name: "deliver", extraArguments: ["--allow-private-fetch"])
    defer { server.stop() }
    // Followers straight into the store beside the running server (SQLite in WAL mode).
    let store = try await MicrocastServices.openStore(.sqlite(path: server.data.appendingPathComponent("microcast.sqlite").path), connections: 1)
    for index in 0..<followers {
        let inbox = "\(receiverBase)/i/\(index % inboxes)/inbox"
        try await store.saveFollower(
            Follower(actorId: "\(receiverBase)/users/\(index)", inbox: inbox, followId: "\(receiverBase)/f/\(index)", followedAt: Date()),
            jobs: []
        )
    }
    await store.close()

    let before = server.residentMB
    let peak = Mutex(before)
    let sampling = Atomic<Bool>(true)
    let sampler = Thread {
        while sampling.load(ordering: .relaxed) {
            let now = server.residentMB
            peak.withLock { $0 = max($0, now) }
            usleep(100_000)
        }
    }
    sampler.start()
    let expected = posts * inboxes
    let started = Date()
    for index in 0..<posts {
        _ = try curl([
            "-s", "-o", "/dev/null", "-H", "Authorization: Bearer \(server.token)", "-d", "h=entry",
            "--data-urlencode", "content=Delivered note \(index) \(UUID().uuidString)", server.base + "/micropub",
        ])
    }
    // Resident memory as each tenth of the deliveries arrives: flat once warm, or growing with the work.
    var checkpoints: [(delivered: Int, megabytes: Double)] = []
    var delivered = count()
    while delivered.count < expected {
        if Date().timeIntervalSince(started) > 1800 { fatalError("deliver: \(delivered.count) of \(expected) delivered in 30 minutes") }
        usleep(20_000)
        delivered = count()
        if delivered.count * 10 >= expected * (checkpoints.count + 1) { checkpoints.append((delivered.count, server.residentMB)) }
    }
    let elapsed = Date().timeIntervalSince(started)
    sampling.store(false, ordering: .relaxed)
    usleep(200_000)
    let after = server.residentMB

    // The floor: as many bodies, posted by curl eight at a time.
    let body = scratchFolder("deliver-body").appendingPathComponent("create.json")
    try Data(String(repeating: "x", count: 1500).utf8).write(to: body)
    let urls = (0..<expected).map { "\(receiverBase)/i/\($0 % inboxes)/inbox" }
    let list = body.deletingLastPathComponent().appendingPathComponent("urls")
    try urls.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
    let floor = try seconds {
        _ = runTool(
            "/bin/sh",
            ["-c", "xargs -P 8 -n 1 curl -s -o /dev/null -H 'Content-Type: application/activity+json' --data-binary @\(body.path) < \(list.path)"]
        )
    }

    print("| \(followers) followers over \(inboxes) inboxes, \(posts) notes | seconds | deliveries/s | vs. curl ×8, unsigned |")
    print("| --- | --- | --- | --- |")
    print(
        "| published → every inbox has every Create (\(expected) signed deliveries) | \(String(format: "%.2f", elapsed)) | \(String(format: "%.0f", Double(expected) / elapsed)) | \(String(format: "%.1f×", elapsed / floor)) |"
    )
    print(
        "| the same \(expected) bodies posted by curl, 8 at a time | \(String(format: "%.2f", floor)) | \(String(format: "%.0f", Double(expected) / floor)) | 1.0× |"
    )
    print("")
    print("| server resident memory | MB |")
    print("| --- | --- |")
    print("| before publishing | \(String(format: "%.0f", before)) |")
    print("| peak while delivering | \(String(format: "%.0f", peak.withLock { $0 })) |")
    print("| after | \(String(format: "%.0f", after)) |")
    print("")
    print("| deliveries arrived | server resident MB |")
    print("| --- | --- |")
    for checkpoint in checkpoints { print("| \(checkpoint.delivered) | \(String(format: "%.0f", checkpoint.megabytes)) |") }
}
