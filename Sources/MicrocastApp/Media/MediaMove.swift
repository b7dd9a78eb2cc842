import Foundation
import MediaModel
import MicrocastCore

/// `microcast media move`: every file of a site's media store copied to
/// another (folder to bucket, bucket to folder, bucket to bucket), each
/// checked against its SHA-256, then the site's setting switched, so every
/// process started afterwards uses the new one. A file the target already
/// holds with the same size and checksum is not sent again: a move that
/// stopped part-way resumes where it was. The old store is left as it was.
package struct MediaMove: Sendable {
    package let root: URL
    package let settings: any SettingsRepository
    /// The uploads' rows, whose SHA-256 checks an original the store kept without one (one sent as it arrived).
    package let media: any MediaRepository

    package init(root: URL, settings: any SettingsRepository, media: any MediaRepository) {
        self.root = root
        self.settings = settings
        self.media = media
    }

    package struct Summary: Sendable, Equatable {
        package var copied = 0
        /// Already in the target, verified (a resumed move).
        package var alreadyThere = 0
        package var bytes: Int64 = 0
    }

    /// A file whose copy did not match what it was copied from.
    package struct Mismatch: Error, CustomStringConvertible {
        package var key: MediaKey
        package var expected: String
        package var found: String
        package var description: String { "\(key) was copied with SHA-256 \(found), not \(expected); nothing was switched" }
    }

    /// Copies everything to `target` and switches the site to it; `progress` is told files done of total.
    package func move(
        to target: MediaStoreLocation,
        progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        let current = try await MediaStoreChoice.stored(in: settings)
        let source = try MediaStoreChoice.open(current, root: root)
        let destination = try MediaStoreChoice.open(target, root: root)
        let library = try MediaLibrary(root: root)
        var files: [StoredFile] = []
        for folder in MediaFolder.allCases { files += try await source.list(folder, prefix: "") }
        var known: [MediaKey: String] = [:]
        for item in try await media.recentMedia(limit: Int.max, offset: 0) { known[.original(item.fileName)] = item.sha256 }
        var summary = Summary()
        if current != target {
            for (index, file) in files.enumerated() {
                if try await copy(file, from: source, to: destination, scratch: library.uploads, known: known[file.key]) {
                    summary.copied += 1
                    summary.bytes += file.byteCount
                } else {
                    summary.alreadyThere += 1
                }
                progress(index + 1, files.count)
            }
        }
        try await settings.setSettings([.mediaStore: target.description])
        return summary
    }

    /// Copies one file unless the target has it already; whether it copied.
    func copy(_ file: StoredFile, from source: any MediaStore, to destination: any MediaStore, scratch: URL, known: String?) async throws -> Bool {
        let key = file.key
        // The source's bytes, on local disk: the folder's own file, or a fetched copy.
        let local: URL
        var fetched: URL?
        if let folder = source as? FolderMediaStore {
            local = folder.url(key)
        } else {
            let copy = scratch.appendingPathComponent(TemporaryName.make(".move", extension: "tmp"))
            try await source.fetch(key, to: copy)
            (local, fetched) = (copy, copy)
        }
        defer { if let fetched { try? FileManager.default.removeItem(at: fetched) } }
        let digest = try FileDigest.sha256(local).hexString
        if let recorded = try await source.describe(key)?.sha256 ?? known, recorded != digest {
            throw Mismatch(key: key, expected: recorded, found: digest)
        }
        if let there = try await destination.describe(key), there.byteCount == file.byteCount,
            try await Self.digest(of: there, in: destination) == digest
        {
            return false
        }
        try await destination.keep(key, from: local, contentType: key.contentType, sha256: digest)
        guard let kept = try await destination.describe(key), let found = try await Self.digest(of: kept, in: destination), found == digest else {
            try? await destination.remove(key)
            throw Mismatch(key: key, expected: digest, found: "(unreadable)")
        }
        return true
    }

    /// What the store says a file's SHA-256 is: recorded for an object, read for a file in the folder.
    static func digest(of file: StoredFile, in store: any MediaStore) async throws -> String? {
        if let folder = store as? FolderMediaStore { return try FileDigest.sha256(folder.url(file.key)).hexString }
        return file.sha256
    }
}
