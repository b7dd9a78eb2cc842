import Foundation
import HTTPTypes
import Hummingbird
import MediaModel
import MicrocastApp
import MicrocastCore
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Uploads in progress on disk: `DATA/resumable/ID.part` holds the bytes so
/// far (its size is the offset) and `ID.json` what the upload is and whose.
/// Survives restarts. An upload belongs to the grant or studio session that
/// created it: to anyone else it does not exist. A part file is written by one
/// request at a time, held by an exclusive lock on the file itself (so two
/// server processes sharing the folder also take turns).
///
/// What uploads may promise is bounded: a few open at once per owner, and
/// never more bytes in all than the disk has free. The bounds are counted
/// from an index this process keeps in memory (read from the folder once at
/// start), so creating one never walks every record; expired uploads are
/// swept from the index at most once a minute.
///
/// A site whose media are in a bucket keeps its uploads in progress there
/// too (`shared`): the record as `resumable/ID.json`, and what each request
/// brought as one object, `resumable/ID/OFFSET`; so an upload begun through
/// one server process is continued and finished through any other. The
/// finishing process joins the pieces into its own folder for intake.
struct ResumableUploads: Sendable {
    let folder: URL
    /// Where a complete file moves before intake: the library's uploads folder (same disk, so a rename).
    let uploadsFolder: URL
    let limits: Limits
    private let index: Index
    /// The site's bucket, when its media are kept there.
    let shared: BucketMediaStore?

    /// How much the open uploads may promise.
    struct Limits: Sendable {
        /// Uploads in progress per grant or studio session.
        var openPerOwner = 10
        /// Free space that promises never eat into: the store and renditions need room too.
        var reserveBytes: Int64 = 256 << 20
        /// Abandoned uploads are forgotten after this long.
        var lifetime: TimeInterval = 24 * 3600
    }

    init(folder: URL, uploadsFolder: URL, limits: Limits = Limits(), shared: BucketMediaStore? = nil) throws {
        self.folder = folder
        self.uploadsFolder = uploadsFolder
        self.limits = limits
        self.shared = shared
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        index = Index()
        loadIndex()
    }

    /// One upload's record.
    struct Upload: Codable, Sendable {
        var id: String
        /// `UploadOwner` of the grant or session that created it; a record without one (made before
        /// uploads had owners) belongs to nobody and is left to expire.
        var owner: String?
        var length: Int64
        var metadata: [String: String]
        var created: Date
        /// The public URL of the media item, once complete and taken in.
        var mediaURL: String?
        var offset: Int64 = 0
        /// In a bucket: the sizes of the pieces stored so far, in order (their sum is the offset).
        var pieces: [Int64]?

        func expires(after lifetime: TimeInterval) -> Date { created.addingTimeInterval(lifetime) }
        enum CodingKeys: String, CodingKey { case id, owner, length, metadata, created, mediaURL, pieces }
    }

    /// What the index keeps of an upload: enough to count promises and find expired ones.
    struct Entry: Sendable {
        var owner: String
        var length: Int64
        var received: Int64
        var created: Date
        var isComplete: Bool
    }

    final class Index: Sendable {
        let entries = Mutex<[String: Entry]>([:])
        let lastSweep = Mutex<Date>(.distantPast)
    }

    func part(_ id: String) -> URL { folder.appendingPathComponent("\(id).part") }
    func recordFile(_ id: String) -> URL { folder.appendingPathComponent("\(id).json") }

    /// Creates an upload for `owner`, if the owner has room for another and the disk for its bytes.
    func create(length: Int64, metadata: [String: String], owner: String, now: Date = Date()) async throws -> Upload {
        sweepIfDue(now: now)
        let (open, promised) = index.entries.withLock { entries in
            let live = entries.values.filter { !$0.isComplete }
            return (live.filter { $0.owner == owner }.count, live.reduce(Int64(0)) { $0 + max(0, $1.length - $1.received) })
        }
        guard open < limits.openPerOwner else {
            throw TusError(
                .tooManyRequests,
                "\(open) uploads are already in progress for this app or session (at most \(limits.openPerOwner)); finish or delete one first"
            )
        }
        let free = DiskSpace.available(at: folder) ?? Int64.max
        guard promised + length + limits.reserveBytes <= free else {
            throw TusError(
                .insufficientStorage,
                "the disk has \(free / 1_048_576) MB free and uploads in progress already need \(promised / 1_048_576) MB of it: "
                    + "\(length / 1_048_576) MB more does not fit"
            )
        }
        let upload = Upload(id: MediaIdentifier.make(), owner: owner, length: length, metadata: metadata, created: now)
        guard FileManager.default.createFile(atPath: part(upload.id).path, contents: nil) else {
            throw TusError(.insufficientStorage, "the upload cannot be stored")
        }
        try write(upload)
        if let shared {
            var record = upload
            record.pieces = []
            try await share(record, in: shared)
        }
        index.entries.withLock {
            $0[upload.id] = Entry(owner: owner, length: length, received: 0, created: now, isComplete: false)
        }
        return upload
    }

    /// The upload with this id as `owner` sees it: nil if it is unknown,
    /// expired, or someone else's (who may not learn that it exists).
    func upload(_ id: String, owner: String, now: Date = Date()) async -> Upload? {
        if let shared {
            guard MediaIdentifier.isValid(id), let data = try? await shared.client.get(Self.recordKey(id)),
                var upload = try? JSONDecoder().decode(Upload.self, from: data), upload.owner == owner
            else { return nil }
            if upload.expires(after: limits.lifetime) < now {
                await remove(id)
                return nil
            }
            upload.offset = upload.mediaURL != nil ? upload.length : (upload.pieces ?? []).reduce(0, +)
            return upload
        }
        guard var upload = stored(id), upload.owner == owner else { return nil }
        if upload.expires(after: limits.lifetime) < now {
            await remove(id)
            return nil
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: part(id).path)[.size] as? NSNumber)?.int64Value
        upload.offset = upload.mediaURL != nil ? upload.length : (size ?? 0)
        return upload
    }

    private func stored(_ id: String) -> Upload? {
        guard MediaIdentifier.isValid(id), let data = try? Data(contentsOf: recordFile(id)) else { return nil }
        return try? JSONDecoder().decode(Upload.self, from: data)
    }

    /// Appends the body at `offset`, which must be where the file ends now.
    /// The file is locked before its size is read, so of several requests
    /// sent at the same offset exactly one writes; the others get 409. Every
    /// chunk is written as it arrives, so a connection that drops keeps what
    /// it sent: the next `HEAD` says where to go on.
    func append(_ id: String, at offset: Int64, owner: String, body: RequestBody) async throws -> Upload {
        guard var upload = await upload(id, owner: owner) else { throw TusError(.notFound, "there is no such upload (or it expired)") }
        guard upload.mediaURL == nil else {
            throw TusError(.conflict, "the upload is complete; continue from Upload-Offset: \(upload.length)")
        }
        if let shared { return try await appendShared(upload, at: offset, body: body, in: shared) }
        guard let handle = FileHandle(forWritingAtPath: part(id).path) else { throw TusError(.notFound, "the upload's file is gone") }
        defer { try? handle.close() }
        guard flock(handle.fileDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw TusError(.conflict, "another request is writing this upload; ask where it is with HEAD and continue from there")
        }
        let held = Int64(try handle.seekToEnd())
        guard offset == held else {
            throw TusError(.conflict, "the upload holds \(held) bytes; continue from Upload-Offset: \(held)")
        }
        var position = offset
        defer { index.entries.withLock { $0[id]?.received = position } }
        do {
            for try await chunk in body {
                guard position + Int64(chunk.readableBytes) <= upload.length else {
                    throw TusError(.contentTooLarge, "the bytes sent run past the Upload-Length of \(upload.length)")
                }
                try chunk.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
                position += Int64(chunk.readableBytes)
            }
        } catch {
            // What arrived is kept; the client resumes from it.
            try? handle.synchronize()
            throw error
        }
        upload.offset = position
        return upload
    }

    /// Moves a complete upload's file to the library's uploads folder, for
    /// intake; from a bucket, joins its pieces there, in order, as they arrive.
    func takeFile(_ upload: Upload) async throws -> URL {
        let destination = uploadsFolder.appendingPathComponent(TemporaryName.make(upload.id, extension: "part"))
        guard let shared else {
            try FileManager.default.moveItem(at: part(upload.id), to: destination)
            return destination
        }
        guard FileManager.default.createFile(atPath: destination.path, contents: nil), let handle = FileHandle(forWritingAtPath: destination.path)
        else { throw TusError(.insufficientStorage, "the upload cannot be stored") }
        defer { try? handle.close() }
        do {
            var offset: Int64 = 0
            for size in upload.pieces ?? [] {
                guard let (_, bytes) = try await shared.client.open(Self.pieceKey(upload.id, at: offset)) else {
                    throw TusError(.conflict, "a piece of the upload is missing from the bucket; start it again")
                }
                for try await buffer in bytes { try handle.write(contentsOf: buffer.readableBytesView) }
                offset += size
            }
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
        return destination
    }

    func record(_ id: String, mediaURL: String) async throws {
        if let shared, let data = try? await shared.client.get(Self.recordKey(id)), var upload = try? JSONDecoder().decode(Upload.self, from: data) {
            let pieces = upload.pieces ?? []
            upload.mediaURL = mediaURL
            upload.pieces = []
            try await share(upload, in: shared)
            await removePieces(id, sizes: pieces, in: shared)
        }
        guard var upload = stored(id) else { return }
        upload.mediaURL = mediaURL
        try write(upload)
        index.entries.withLock { $0[id]?.isComplete = true }
    }

    func remove(_ id: String) async {
        try? FileManager.default.removeItem(at: part(id))
        try? FileManager.default.removeItem(at: recordFile(id))
        _ = index.entries.withLock { $0.removeValue(forKey: id) }
        if let shared, let data = try? await shared.client.get(Self.recordKey(id)), let upload = try? JSONDecoder().decode(Upload.self, from: data) {
            await removePieces(id, sizes: upload.pieces ?? [], in: shared)
            try? await shared.client.delete(Self.recordKey(id))
        }
    }

    // MARK: In a bucket

    static func recordKey(_ id: String) -> String { "resumable/\(id).json" }
    /// Zero-padded, so the pieces list in order.
    static func pieceKey(_ id: String, at offset: Int64) -> String { "resumable/\(id)/" + String(format: "%015lld", offset) }

    private func share(_ upload: Upload, in shared: BucketMediaStore) async throws {
        try await shared.client.put(Self.recordKey(upload.id), data: try JSONEncoder().encode(upload), contentType: "application/json")
    }

    private func removePieces(_ id: String, sizes: [Int64], in shared: BucketMediaStore) async {
        var offset: Int64 = 0
        for size in sizes {
            try? await shared.client.delete(Self.pieceKey(id, at: offset))
            offset += size
        }
    }

    /// What one request brings, kept as one piece in the bucket. The bytes go
    /// to a file here first (the request's pace is the client's); whatever
    /// arrived is kept if the connection drops. Requests to one process take
    /// turns on the upload (a lock file); the offset is checked against the
    /// record, so a client that asks `HEAD` anywhere continues where it is.
    private func appendShared(_ upload: Upload, at offset: Int64, body: RequestBody, in shared: BucketMediaStore) async throws -> Upload {
        let id = upload.id
        let lockFile = folder.appendingPathComponent("\(id).lock")
        FileManager.default.createFile(atPath: lockFile.path, contents: nil)
        guard let lock = FileHandle(forWritingAtPath: lockFile.path) else { throw TusError(.insufficientStorage, "the upload cannot be stored") }
        defer { try? lock.close() }
        guard flock(lock.fileDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw TusError(.conflict, "another request is writing this upload; ask where it is with HEAD and continue from there")
        }
        // Read again under the lock: another request may have just added a piece.
        guard var current = await self.upload(id, owner: upload.owner ?? "") else {
            throw TusError(.notFound, "there is no such upload (or it expired)")
        }
        guard offset == current.offset else {
            throw TusError(.conflict, "the upload holds \(current.offset) bytes; continue from Upload-Offset: \(current.offset)")
        }
        let piece = folder.appendingPathComponent(TemporaryName.make(".\(id)", extension: "piece"))
        guard FileManager.default.createFile(atPath: piece.path, contents: nil), let handle = FileHandle(forWritingAtPath: piece.path) else {
            throw TusError(.insufficientStorage, "the upload cannot be stored")
        }
        defer { try? FileManager.default.removeItem(at: piece) }
        var received: Int64 = 0
        var failure: (any Error)?
        do {
            for try await chunk in body {
                guard offset + received + Int64(chunk.readableBytes) <= current.length else {
                    throw TusError(.contentTooLarge, "the bytes sent run past the Upload-Length of \(current.length)")
                }
                try chunk.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
                received += Int64(chunk.readableBytes)
            }
        } catch {
            failure = error
        }
        try? handle.close()
        if received > 0 {
            try await shared.client.putFile(Self.pieceKey(id, at: offset), file: piece, contentType: "application/octet-stream", sha256: "")
            current.pieces = (current.pieces ?? []) + [received]
            try await share(current, in: shared)
            current.offset += received
            index.entries.withLock { $0[id]?.received = current.offset }
        }
        if let failure { throw failure }
        return current
    }

    private func write(_ upload: Upload) throws {
        let temporary = folder.appendingPathComponent(TemporaryName.make(".\(upload.id)", extension: "tmp"))
        try JSONEncoder().encode(upload).write(to: temporary)
        guard rename(temporary.path, recordFile(upload.id).path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw TusError(.insufficientStorage, "the upload cannot be recorded")
        }
    }

    /// Reads every record once, when the server starts, and removes the expired.
    private func loadIndex(now: Date = Date()) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var entries: [String: Entry] = [:]
        for name in names where name.hasSuffix(".json") {
            let id = String(name.dropLast(5))
            guard let upload = stored(id) else { continue }
            guard upload.expires(after: limits.lifetime) >= now, let owner = upload.owner else {
                try? FileManager.default.removeItem(at: part(id))
                try? FileManager.default.removeItem(at: recordFile(id))
                continue
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: part(id).path)[.size] as? NSNumber)?.int64Value ?? 0
            entries[id] = Entry(owner: owner, length: upload.length, received: size, created: upload.created, isComplete: upload.mediaURL != nil)
        }
        index.entries.withLock { $0 = entries }
        index.lastSweep.withLock { $0 = now }
    }

    /// Removes expired uploads, from the index in memory, at most once a minute.
    func sweepIfDue(now: Date) {
        let due = index.lastSweep.withLock { last in
            guard now.timeIntervalSince(last) >= 60 else { return false }
            last = now
            return true
        }
        guard due else { return }
        let lifetime = limits.lifetime
        let expired = index.entries.withLock { entries in
            entries.filter { $0.value.created.addingTimeInterval(lifetime) < now }.map(\.key)
        }
        for id in expired {
            try? FileManager.default.removeItem(at: part(id))
            try? FileManager.default.removeItem(at: recordFile(id))
            _ = index.entries.withLock { $0.removeValue(forKey: id) }
        }
    }
}

/// Who an upload belongs to: the grant of the token that created it, or the
/// studio session (every token of one approval is the same owner).
enum UploadOwner {
    static func of(_ token: AccessToken) -> String {
        token.grant.map { "grant:" + $0 } ?? "token:" + token.hash
    }
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs.
enum TusMetadata {
    static func parse(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in header.split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            guard let key = parts.first, !key.isEmpty, result.count < 32 else { continue }
            let value = parts.count > 1 ? Data(base64Encoded: String(parts[1])).map { String(decoding: $0, as: UTF8.self) } : ""
            result[String(key)] = value.map { String($0.prefix(1024)) }
        }
        return result
    }
}

/// A tus error: the status the protocol gives it, a JSON body saying why.
struct TusError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let description: String

    init(_ status: HTTPResponse.Status, _ description: String) {
        self.status = status
        self.description = description
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder.sorted.encode(["error": "invalid_request", "error_description": description])
        return Response(
            status: status,
            headers: [
                .contentType: "application/json", .tusResumable: ResumableUploadController.version,
                .tusVersion: ResumableUploadController.version,
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

extension HTTPResponse.Status {
    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
}
