import AsyncHTTPClient
import Foundation
import MediaModel
import MicrocastApp
import MicrocastCore
import TestSupport
import Testing

/// The object-storage client against a real S3 server (SeaweedFS on
/// loopback, requiring signed requests): what a media library needs of a
/// bucket, and what a stranger without the key gets.
@Suite("S3 client against SeaweedFS")
struct S3ClientTests {
    static func client(secret: String? = nil, prefix: String = "") async throws -> S3Client {
        let server = try await SeaweedServer.shared.endpoint()
        let location = BucketLocation(
            endpoint: server.url,
            bucket: "media-\(UUID().uuidString.prefix(8).lowercased())",
            region: "us-east-1",
            pathStyle: true,
            prefix: prefix
        )
        let credentials = AWSCredentials(accessKeyId: server.accessKeyId, secretAccessKey: secret ?? server.secretAccessKey)
        return S3Client(location: location, credentials: credentials, http: HTTPClient.shared)
    }

    @Test("an object copied inside the bucket keeps its bytes and its recorded SHA-256; a file larger than a part goes up in parts")
    func copyAndPutFile() async throws {
        let s3 = try await Self.client(prefix: "site")
        try await s3.createBucket()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("s3-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("big.bin")
        let bytes = Data((0..<(S3Client.partBytes + 1_000)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try bytes.write(to: file)
        try await s3.putFile("originals/a b.wav", file: file, contentType: "audio/wav", sha256: "abc123")
        try await s3.copy("originals/a b.wav", to: "public/a b.wav")
        let copied = try #require(try await s3.head("public/a b.wav"))
        #expect(copied.byteCount == Int64(bytes.count) && copied.sha256 == "abc123")
        #expect(try await s3.get("public/a b.wav") == bytes)
        #expect(try await s3.list(prefix: "public/").map(\.key) == ["public/a b.wav"])
        #expect(try await s3.unfinishedUploads().isEmpty)
    }

    @Test("objects are put, read whole and by range, described, and deleted; a key with spaces and non-ASCII letters round-trips")
    func objects() async throws {
        let s3 = try await Self.client()
        try await s3.createBucket()
        let bytes = Data((0..<100_000).map { UInt8($0 % 251) })
        let key = "media/r/épisode one-128k.mp3"
        try await s3.put(key, data: bytes, contentType: "audio/mpeg")
        #expect(try await s3.get(key) == bytes)
        #expect(try await s3.get(key, range: 1_000...1_999) == bytes[1_000...1_999])
        let info = try #require(try await s3.head(key))
        #expect(info.byteCount == 100_000 && info.contentType == "audio/mpeg" && !info.etag.isEmpty)
        try await s3.delete(key)
        #expect(try await s3.head(key) == nil)
        await #expect(throws: S3Client.Failure.self) { try await s3.get(key) }
    }

    @Test("a multipart upload of three parts becomes one object; an aborted one leaves no parts behind")
    func multipart() async throws {
        let s3 = try await Self.client(prefix: "site-a")
        try await s3.createBucket()
        let part = S3Client.minimumPartBytes
        let whole = Data((0..<(2 * part + 12_345)).map { UInt8(($0 * 7) % 256) })
        var upload = try await s3.startUpload("originals/big.mov", contentType: "video/quicktime")
        for start in stride(from: 0, to: whole.count, by: part) {
            try await s3.send(part: whole[start..<min(start + part, whole.count)], of: &upload)
        }
        #expect(upload.parts.count == 3)
        try await s3.complete(upload)
        #expect(try await s3.head("originals/big.mov")?.byteCount == Int64(whole.count))
        #expect(try await s3.get("originals/big.mov", range: Int64(part - 5)...Int64(part + 4)) == whole[(part - 5)...(part + 4)])

        var abandoned = try await s3.startUpload("originals/abandoned.mov", contentType: "video/quicktime")
        try await s3.send(part: whole[0..<part], of: &abandoned)
        #expect(try await s3.unfinishedUploads().map(\.id) == [abandoned.id])
        #expect(try await s3.unfinishedUploads().map(\.key) == ["originals/abandoned.mov"], "named without the site's prefix")
        try await s3.abort(abandoned)
        #expect(try await s3.unfinishedUploads().isEmpty)
        #expect(try await s3.head("originals/abandoned.mov") == nil)
    }

    @Test("a request signed with the wrong secret is refused, and the refusal says why without the secret")
    func wrongSecret() async throws {
        let s3 = try await Self.client(secret: "not-the-secret")
        do {
            try await s3.createBucket()
            Issue.record("a wrongly signed request was accepted")
        } catch let failure as S3Client.Failure {
            #expect(failure.status == 403 && failure.code == "SignatureDoesNotMatch", "\(failure)")
            #expect(!failure.description.contains("not-the-secret"))
        }
    }

    @Test("the sweep at serve's start aborts an original's upload begun a day ago and removes objects no row names, keeping recorded and recent ones")
    func sweep() async throws {
        let s3 = try await Self.client(prefix: "site")
        try await s3.createBucket()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try await MicrocastServices.openStore(.embedded(in: folder))
        defer { Task { await store.close() } }
        let recorded = MediaItem(
            id: MediaIdentifier.make(),
            kind: .audio,
            mimeType: "audio/mpeg",
            fileExtension: "mp3",
            byteCount: 5,
            sha256: "",
            originalName: nil,
            probe: MediaProbe(kind: .audio, format: "mp3", mimeType: "audio/mpeg"),
            state: .ready
        )
        try await store.add(recorded, jobs: [])
        for key in ["originals/\(recorded.fileName)", "originals/orphan.mp3", "public/orphan.jpg", "resumable/x.json"] {
            try await s3.put(key, data: Data("bytes".utf8), contentType: "application/octet-stream")
        }
        _ = try await s3.startUpload("originals/half.wav", contentType: "audio/wav")
        let sweep = BucketSweep(bucket: BucketMediaStore(client: s3), media: store)
        #expect(try await sweep.run() == BucketSweep.Swept(), "nothing is old enough yet")
        let swept = try await sweep.run(now: Date().addingTimeInterval(2 * 24 * 3600))
        #expect(swept == BucketSweep.Swept(abortedUploads: 1, removedOriginals: 2, removedResumable: 1))
        #expect(try await s3.unfinishedUploads().isEmpty)
        #expect(try await s3.list(prefix: "").map(\.key) == ["originals/\(recorded.fileName)"])
    }
}
