import AsyncHTTPClient
import Foundation
import MediaModel
import MicrocastCore
import NIOCore

/// Where a library's files are kept for good: the data folder itself
/// (`FolderMediaStore`, the default) or an S3-compatible bucket
/// (`BucketMediaStore`). Every file is written to the data folder first,
/// under a temporary name and then its own; `keep` makes it durable where
/// the store keeps files. With a bucket the folder is only scratch space:
/// processes on machines that share no disk see the same files.
package protocol MediaStore: Sendable {
    var location: MediaStoreLocation { get }
    /// Keeps the finished file at `file` as `key`. Its bytes are `sha256`
    /// (hex), recorded where the store can, so a copy can be verified.
    func keep(_ key: MediaKey, from file: URL, contentType: String, sha256: String) async throws
    /// Keeps what the store holds as `source` also as `key` (a public copy that is the original).
    func duplicate(_ source: MediaKey, as key: MediaKey) async throws
    /// Writes `key`'s bytes to `file` (through a temporary name); throws `MediaStoreMissing` if there is none.
    func fetch(_ key: MediaKey, to file: URL) async throws
    /// What the store holds as `key`, if anything.
    func describe(_ key: MediaKey) async throws -> StoredFile?
    func remove(_ key: MediaKey) async throws
    /// Every file in `folder` whose name starts with `prefix`.
    func list(_ folder: MediaFolder, prefix: String) async throws -> [StoredFile]
    /// Gives up files of `folder` starting with `prefix` that a killed process
    /// began to keep and never finished (a bucket's unfinished multipart uploads).
    func abandonUnfinished(_ folder: MediaFolder, prefix: String) async throws
}

/// A file as a media store holds it.
package struct StoredFile: Sendable, Equatable {
    package var key: MediaKey
    package var byteCount: Int64
    /// Its SHA-256 (hex), when the store recorded it.
    package var sha256: String?
    package var modified: Date?
}

/// The store has no such file.
package struct MediaStoreMissing: Error, CustomStringConvertible {
    package var key: MediaKey
    package var location: MediaStoreLocation
    package var description: String { "\(key) is not in the media store \(location)" }
}

/// The data folder as the store: a file kept is simply in its place.
package struct FolderMediaStore: MediaStore {
    let root: URL
    package var location: MediaStoreLocation { .folder }

    package init(root: URL) { self.root = root }

    func url(_ key: MediaKey) -> URL { root.appendingPathComponent(key.folder.rawValue, isDirectory: true).appendingPathComponent(key.name) }

    package func keep(_ key: MediaKey, from file: URL, contentType: String, sha256: String) async throws {
        let destination = url(key)
        guard file.standardizedFileURL.path != destination.standardizedFileURL.path else { return }
        let temporary = destination.deletingLastPathComponent().appendingPathComponent(TemporaryName.make(".\(key.name)", extension: "tmp"))
        do {
            try FileManager.default.copyItem(at: file, to: temporary)
            guard rename(temporary.path, destination.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// A hard link: the same bytes, no more room (a copy across file systems).
    package func duplicate(_ source: MediaKey, as key: MediaKey) async throws {
        guard link(url(source).path, url(key).path) != 0 else { return }
        try await keep(key, from: url(source), contentType: key.contentType, sha256: "")
    }

    package func fetch(_ key: MediaKey, to file: URL) async throws {
        let source = url(key)
        guard FileManager.default.fileExists(atPath: source.path) else { throw MediaStoreMissing(key: key, location: location) }
        guard source.standardizedFileURL.path != file.standardizedFileURL.path else { return }
        let temporary = file.deletingLastPathComponent().appendingPathComponent(TemporaryName.make(".\(file.lastPathComponent)", extension: "tmp"))
        do {
            try FileManager.default.copyItem(at: source, to: temporary)
            guard rename(temporary.path, file.path) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path]) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    package func describe(_ key: MediaKey) async throws -> StoredFile? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url(key).path),
            let size = (attributes[.size] as? NSNumber)?.int64Value
        else { return nil }
        return StoredFile(key: key, byteCount: size, sha256: nil, modified: attributes[.modificationDate] as? Date)
    }

    package func remove(_ key: MediaKey) async throws {
        do {
            try FileManager.default.removeItem(at: url(key))
        } catch CocoaError.fileNoSuchFile {
        }
    }

    /// Its unfinished files are temporaries, which `MediaLibrary` sweeps.
    package func abandonUnfinished(_ folder: MediaFolder, prefix: String) async throws {}

    package func list(_ folder: MediaFolder, prefix: String) async throws -> [StoredFile] {
        let directory = root.appendingPathComponent(folder.rawValue, isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var found: [StoredFile] = []
        for name in names.sorted() where name.hasPrefix(prefix) && !name.hasPrefix(".") {
            if let file = try await describe(MediaKey(folder, name)) { found.append(file) }
        }
        return found
    }
}

/// An S3-compatible bucket as the store: each file an object under the
/// location's prefix, keyed as it is named in the data folder
/// (`originals/…`, `public/…`, `renditions/…`), its SHA-256 in its metadata.
package struct BucketMediaStore: MediaStore {
    package let client: S3Client
    package var location: MediaStoreLocation { .bucket(client.location) }
    /// What the objects served lately are (size, date): a file never changes
    /// under its name, so a listener's request costs one request to the bucket, not two.
    let served = ServedObjects()

    package init(client: S3Client) { self.client = client }

    /// `describe`, remembered: for serving.
    package func describeServed(_ key: MediaKey) async throws -> StoredFile? {
        if let known = served[key] { return known }
        let file = try await describe(key)
        if let file { served[key] = file }
        return file
    }

    /// The client for a bucket, with credentials from the environment or the
    /// credentials file, on an HTTP client of its own (object storage is the
    /// operator's endpoint, not a stranger's: see `S3Client`).
    package static func open(
        _ location: BucketLocation,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> BucketMediaStore {
        let file =
            environment["AWS_SHARED_CREDENTIALS_FILE"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".aws/credentials").path
        guard let credentials = AWSCredentials.standard(environment: environment, credentialsFile: try? String(contentsOfFile: file, encoding: .utf8))
        else {
            throw NoCredentials(location: location)
        }
        return BucketMediaStore(client: S3Client(location: location, credentials: credentials, http: Self.http))
    }

    /// One per process: its connections are kept between requests, and a
    /// stalled read ends instead of holding a listener's download forever.
    static let http = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(60)))
    )

    /// Neither the environment nor the credentials file has a key for the bucket.
    package struct NoCredentials: Error, CustomStringConvertible {
        package var location: BucketLocation
        package var description: String {
            "no credentials for the bucket \(location.bucket): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials (AWS_PROFILE)"
        }
    }

    package func keep(_ key: MediaKey, from file: URL, contentType: String, sha256: String) async throws {
        try await client.putFile(key.path, file: file, contentType: contentType, sha256: sha256)
    }

    /// A copy inside the bucket: the bytes are not sent again.
    package func duplicate(_ source: MediaKey, as key: MediaKey) async throws {
        try await client.copy(source.path, to: key.path)
    }

    package func fetch(_ key: MediaKey, to file: URL) async throws {
        do {
            _ = try await client.download(key.path, to: file)
        } catch let failure as S3Client.Failure where failure.status == 404 {
            throw MediaStoreMissing(key: key, location: location)
        }
    }

    package func describe(_ key: MediaKey) async throws -> StoredFile? {
        guard let info = try await client.head(key.path) else { return nil }
        return StoredFile(key: key, byteCount: info.byteCount, sha256: info.sha256, modified: info.lastModified)
    }

    package func remove(_ key: MediaKey) async throws {
        served[key] = nil
        try await client.delete(key.path)
    }

    package func list(_ folder: MediaFolder, prefix: String) async throws -> [StoredFile] {
        try await client.list(prefix: folder.rawValue + "/" + prefix).compactMap { object in
            MediaKey(path: object.key).map { StoredFile(key: $0, byteCount: object.byteCount, sha256: nil, modified: object.modified) }
        }
    }

    package func abandonUnfinished(_ folder: MediaFolder, prefix: String) async throws {
        for upload in try await client.unfinishedUploads(prefix: folder.rawValue + "/" + prefix) {
            try await client.abort(S3Client.Upload(key: upload.key, id: upload.id))
        }
    }

    /// Opens `key` (or `range` of it) for a listener: its description and its bytes as they arrive.
    package func open(_ key: MediaKey, range: ClosedRange<Int64>?) async throws -> (file: StoredFile, body: HTTPClientResponse.Body)? {
        guard let (info, body) = try await client.open(key.path, range: range) else { return nil }
        return (StoredFile(key: key, byteCount: info.byteCount, sha256: info.sha256, modified: info.lastModified), body)
    }
}

extension MediaKey {
    /// The content type a file of this name is kept with (what a CDN serving the bucket sends).
    package var contentType: String {
        let fileExtension = (name as NSString).pathExtension.lowercased()
        return MediaFormat.renditionContentType(fileExtension: fileExtension)
            ?? MediaFormat.all.first { $0.fileExtension == fileExtension }?.mimeType
            ?? "application/octet-stream"
    }
}

/// The descriptions of objects a process has served, at most `limit` (then forgotten all at once).
final class ServedObjects: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [MediaKey: StoredFile] = [:]
    static let limit = 20_000

    subscript(key: MediaKey) -> StoredFile? {
        get { lock.withLock { files[key] } }
        set {
            lock.withLock {
                if files.count >= Self.limit { files.removeAll(keepingCapacity: true) }
                files[key] = newValue
            }
        }
    }
}
