import Foundation
import MediaModel
import MicrocastCore
import ZIPFoundation

/// A whole site in one file, and back: `microcast export --archive FILE`
/// and `microcast import archive FILE`.
///
/// The archive is a ZIP holding `feed.json` (an `ArchiveDocument`: every
/// post as JSON Feed, everything else under `_microcast`) and the data
/// folder's files as they are: `originals/`, `public/` and `renditions/`.
/// Media is stored, not compressed (it is compressed already); the JSON is
/// deflated. Reading streams every entry, so neither direction holds a
/// file in memory.
public enum SiteArchive {
    /// What an export or an import moved.
    public struct Summary: Sendable, Equatable {
        public var posts: Int
        public var files: Int
        public var bytes: Int64
    }

    static let feedEntry = "feed.json"
    /// The JSON is read into memory to be decoded; no site's is near this.
    static let feedLimit: Int64 = 1 << 30

    /// The data folder's subfolders an archive carries, by the entry prefix that names them.
    static func folders(_ library: MediaLibrary) -> [String: URL] {
        ["originals": library.originals, "public": library.publicCopies, "renditions": library.renditions]
    }

    /// Writes the archive of the site in `store` and `library` to `file`,
    /// under a temporary name beside it until it is complete.
    public static func write(
        store: any DataStore,
        library: MediaLibrary,
        site: SiteInfo,
        to file: URL,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        let snapshot = try await store.snapshot()
        let manager = FileManager.default
        var files: [(entry: String, url: URL)] = []
        var linked: [String] = []
        // With a bucket, each object is fetched to scratch as it is added, and removed after.
        var objects: [MediaKey] = []
        if library.keepsFilesElsewhere {
            for folder in [MediaFolder.originals, .publicCopies, .renditions] {
                objects += try await library.store.list(folder, prefix: "").map(\.key)
            }
        }
        for (prefix, folder) in folders(library).sorted(by: { $0.key < $1.key }) where !library.keepsFilesElsewhere {
            for name in try manager.contentsOfDirectory(atPath: folder.path).sorted() where !name.hasPrefix(".") {
                let url = folder.appendingPathComponent(name)
                if prefix == "public", library.isOriginal(url, of: name) {
                    linked.append(name)
                    continue
                }
                files.append(("\(prefix)/\(name)", url))
            }
        }
        let document = ArchiveDocument(
            snapshot: snapshot,
            title: site.title,
            urls: site.urls,
            exportedAt: Date(),
            linkedPublicCopies: linked
        )
        let json = try document.encoded()

        let temporary = file.deletingLastPathComponent().appendingPathComponent(TemporaryName.make(".\(file.lastPathComponent)", extension: "tmp"))
        do {
            let archive = try Archive(url: temporary, accessMode: .create)
            try archive.addEntry(with: feedEntry, type: .file, uncompressedSize: Int64(json.count), compressionMethod: .deflate) {
                position,
                size in json.subdata(in: Int(position)..<Int(position) + size)
            }
            var bytes = Int64(json.count)
            for (index, file) in files.enumerated() {
                try archive.addEntry(with: file.entry, fileURL: file.url, compressionMethod: .none)
                bytes += (try manager.attributesOfItem(atPath: file.url.path)[.size] as? NSNumber)?.int64Value ?? 0
                progress(index + 1, files.count + objects.count)
            }
            for (index, key) in objects.enumerated() {
                let scratch = library.uploads.appendingPathComponent(TemporaryName.make(".archive", extension: "tmp"))
                defer { try? manager.removeItem(at: scratch) }
                try await library.store.fetch(key, to: scratch)
                try archive.addEntry(with: key.path, fileURL: scratch, compressionMethod: .none)
                bytes += (try manager.attributesOfItem(atPath: scratch.path)[.size] as? NSNumber)?.int64Value ?? 0
                progress(files.count + index + 1, files.count + objects.count)
            }
            // It holds the originals, locations and all: the owner's only, like the data folder.
            try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary.path)
            guard rename(temporary.path, file.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
            }
            return Summary(posts: document.items.count, files: files.count + objects.count, bytes: bytes)
        } catch {
            try? manager.removeItem(at: temporary)
            throw error
        }
    }

    /// Rebuilds the site of the archive `file` in `store` and `library`,
    /// which must be empty. Every entry is checked before anything is
    /// written; files take their names only once complete; the rows are
    /// written in one transaction, and a failure there removes the files.
    public static func read(
        _ file: URL,
        into store: any DataStore,
        library: MediaLibrary,
        maxFileBytes: Int64,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        let archive: Archive
        do { archive = try Archive(url: file, accessMode: .read) } catch { throw ArchiveError.notAnArchive("not a ZIP file") }
        guard let head = archive[feedEntry], head.type == .file else { throw ArchiveError.notAnArchive("it has no \(feedEntry)") }
        let document: ArchiveDocument
        do {
            document = try ArchiveDocument.decode(try contents(of: head, in: archive, limit: feedLimit))
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError.notAnArchive("\(feedEntry) is not a Microcast archive's JSON (\(error))")
        }
        let entries = try placedEntries(archive, library: library, maxFileBytes: maxFileBytes)
        for item in document.contents.media where entries[item.fileName]?.contains(where: { $0.folder == library.originals }) != true {
            throw ArchiveError.missingFile("originals/\(item.fileName)")
        }
        let present = try await store.snapshot()
        guard present.isEmpty else {
            throw ArchiveError.siteNotEmpty(present.counts.filter { $0.value > 0 }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }

        var written: [URL] = []
        do {
            let all = entries.values.flatMap { $0 }
            var bytes: Int64 = 0
            for (index, placed) in all.enumerated() {
                let destination = placed.folder.appendingPathComponent(placed.name)
                let temporary = placed.folder.appendingPathComponent(TemporaryName.make(".\(placed.name)", extension: "tmp"))
                try extract(placed.entry, in: archive, to: temporary, limit: maxFileBytes)
                guard rename(temporary.path, destination.path) == 0 else {
                    try? FileManager.default.removeItem(at: temporary)
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path])
                }
                written.append(destination)
                bytes += Int64(placed.entry.uncompressedSize)
                progress(index + 1, all.count)
            }
            for name in document.contents.linkedPublicCopies where FileManager.default.fileExists(atPath: library.original(name).path) {
                try library.placePublicCopy(of: name, made: nil)
                written.append(library.publicCopy(name))
            }
            try await store.restore(document.snapshot)
            // Jobs are not archived: uploads still being processed are queued again.
            for item in document.contents.media where item.state == .processing {
                if let kind = JobKind.processing(item.kind) {
                    try await store.enqueue(JobRequest(kind: kind, subject: .media(item.id)), now: Date())
                }
            }
            return Summary(posts: document.items.count, files: all.count, bytes: bytes)
        } catch {
            for url in written { try? FileManager.default.removeItem(at: url) }
            throw error
        }
    }

    /// An archive entry and where it goes.
    struct Placed {
        var entry: Entry
        var folder: URL
        var name: String
    }

    /// Every entry but the JSON, by file name, each checked: a plain file in
    /// one of the data folder's subfolders, with a name that cannot climb
    /// out of it, no larger than a site's file can be.
    static func placedEntries(_ archive: Archive, library: MediaLibrary, maxFileBytes: Int64) throws -> [String: [Placed]] {
        let folders = folders(library)
        var placed: [String: [Placed]] = [:]
        for entry in archive where entry.path != feedEntry {
            let parts = entry.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard entry.type == .file, parts.count == 2, let folder = folders[parts[0]], let name = parts.last,
                !name.isEmpty, !name.hasPrefix("."), !name.contains("\\"), name.utf8.count <= 255
            else { throw ArchiveError.unexpectedEntry(entry.path) }
            guard Int64(entry.uncompressedSize) <= maxFileBytes else { throw ArchiveError.tooLarge(entry.path) }
            placed[name, default: []].append(Placed(entry: entry, folder: folder, name: name))
        }
        return placed
    }

    /// An entry's bytes, refused past `limit` whatever its header says.
    static func contents(of entry: Entry, in archive: Archive, limit: Int64) throws -> Data {
        guard Int64(entry.uncompressedSize) <= limit else { throw ArchiveError.tooLarge(entry.path) }
        var data = Data()
        _ = try archive.extract(entry) { chunk in
            guard Int64(data.count + chunk.count) <= limit else { throw ArchiveError.tooLarge(entry.path) }
            data.append(chunk)
        }
        return data
    }

    /// Streams an entry to `file`, refused past `limit` or past the size its header declared.
    static func extract(_ entry: Entry, in archive: Archive, to file: URL, limit: Int64) throws {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        let declared = min(limit, Int64(entry.uncompressedSize))
        var count: Int64 = 0
        do {
            _ = try archive.extract(entry) { chunk in
                count += Int64(chunk.count)
                guard count <= declared else { throw ArchiveError.tooLarge(entry.path) }
                try handle.write(contentsOf: chunk)
            }
        } catch {
            try? FileManager.default.removeItem(at: file)
            throw error
        }
    }
}
