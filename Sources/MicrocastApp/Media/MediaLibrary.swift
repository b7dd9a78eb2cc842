import Crypto
import Foundation
import MediaModel
import MicrocastCore

/// The data folder on local disk:
///
///     DATA/microcast.sqlite     the store (plus -wal and -shm while open)
///     DATA/originals/ID.EXT     uploads exactly as received; never served
///     DATA/public/ID.EXT        what an upload's public URL serves: a photo without its location
///     DATA/renditions/NAME      derived files, named by their content
///     DATA/uploads/             uploads in progress (same file system, so a rename is atomic)
///
/// Nothing is written in place: every file is written under a temporary name
/// in the folder it ends up in, then renamed, so a half-written file is never served.
///
/// Where files are kept for good is the library's `store`: this folder
/// (`FolderMediaStore`), or a bucket (`BucketMediaStore`), in which case the
/// folder holds only what this process is working on: a file is written
/// here, `keep` puts it in the bucket and removes it, `localFile` fetches one.
public struct MediaLibrary: Sendable {
    public let root: URL
    /// Where the files are kept for good (the folder itself unless the site chose a bucket).
    package var store: any MediaStore

    /// What opening the folder changed about its permissions (nil: nothing), for the log.
    public let tightened: String?

    /// Opens the data folder, creating it owner-only (0700): it holds the
    /// store, with the passphrase's hash and the tokens' hashes. An existing
    /// folder that other users can read is made owner-only, and `tightened` says so.
    public init(root: URL) throws {
        self.root = root
        store = FolderMediaStore(root: root)
        tightened = try Self.ownerOnly(root)
        for folder in [originals, publicCopies, renditions, uploads] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
    }

    /// Creates `root` with mode 0700, or takes the group's and others' rights
    /// off an existing one; returns what it changed, if anything.
    static func ownerOnly(_ root: URL) throws -> String? {
        let manager = FileManager.default
        guard manager.fileExists(atPath: root.path) else {
            try manager.createDirectory(at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            return nil
        }
        let mode = (try manager.attributesOfItem(atPath: root.path)[.posixPermissions] as? NSNumber)?.intValue ?? 0
        guard mode & 0o077 != 0 else { return nil }
        try manager.setAttributes([.posixPermissions: mode & 0o700], ofItemAtPath: root.path)
        return
            "the data folder \(root.path) was readable by other users (mode \(String(mode, radix: 8))); it is now owner-only (\(String(mode & 0o700, radix: 8)))"
    }

    public var database: URL { root.appendingPathComponent("microcast.sqlite") }

    /// Files are kept elsewhere (a bucket) and this folder is only scratch space.
    public var keepsFilesElsewhere: Bool { store.location != .folder }

    /// Where `key` is (or would be) in this folder.
    package func url(_ key: MediaKey) -> URL {
        switch key.folder {
        case .originals: original(key.name)
        case .publicCopies: publicCopy(key.name)
        case .renditions: rendition(key.name)
        }
    }

    /// Makes the finished file at `key`'s place in this folder durable: with a
    /// bucket, puts it there and removes it from the folder; else nothing.
    package func keep(_ key: MediaKey, contentType: String? = nil, sha256: String? = nil) async throws {
        guard keepsFilesElsewhere else { return }
        let file = url(key)
        let digest = try sha256 ?? FileDigest.sha256(file).hexString
        try await store.keep(key, from: file, contentType: contentType ?? key.contentType, sha256: digest)
        try? FileManager.default.removeItem(at: file)
    }

    /// `key` in this folder, fetched from the store first when files are kept
    /// elsewhere and this process has no copy; throws `MediaStoreMissing` when neither has it.
    package func localFile(_ key: MediaKey) async throws -> URL {
        let file = url(key)
        if FileManager.default.fileExists(atPath: file.path) { return file }
        guard keepsFilesElsewhere else { throw MediaStoreMissing(key: key, location: store.location) }
        try await store.fetch(key, to: file)
        return file
    }

    /// Whether the store holds `key`.
    package func exists(_ key: MediaKey) async throws -> Bool {
        keepsFilesElsewhere ? try await store.describe(key) != nil : FileManager.default.fileExists(atPath: url(key).path)
    }

    /// Removes `key` from the store and from this folder.
    package func forget(_ key: MediaKey) async {
        try? FileManager.default.removeItem(at: url(key))
        if keepsFilesElsewhere { try? await store.remove(key) }
    }

    /// Removes this process's copy of `key` when the store keeps it elsewhere (a worker's scratch copy).
    package func releaseScratch(_ key: MediaKey) {
        guard keepsFilesElsewhere else { return }
        try? FileManager.default.removeItem(at: url(key))
    }

    /// With a bucket, empties the folders of files kept there: copies a process
    /// fetched and left (it may have been killed), none of which is the only one.
    package func clearScratch() {
        guard keepsFilesElsewhere else { return }
        let manager = FileManager.default
        for folder in [originals, publicCopies, renditions] {
            for name in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where !name.hasPrefix(".") {
                try? manager.removeItem(at: folder.appendingPathComponent(name))
            }
        }
    }
    public var originals: URL { root.appendingPathComponent("originals", isDirectory: true) }
    public var publicCopies: URL { root.appendingPathComponent("public", isDirectory: true) }
    public var renditions: URL { root.appendingPathComponent("renditions", isDirectory: true) }
    public var uploads: URL { root.appendingPathComponent("uploads", isDirectory: true) }

    public func original(_ fileName: String) -> URL { originals.appendingPathComponent(fileName) }
    public func rendition(_ fileName: String) -> URL { renditions.appendingPathComponent(fileName) }
    /// The file `/media/ID.EXT` serves.
    public func publicCopy(_ fileName: String) -> URL { publicCopies.appendingPathComponent(fileName) }

    /// Places the public copy of an original: `made` (written under a
    /// temporary name in the public folder) by rename, or, when nil, the
    /// original itself by a hard link (a copy across file systems).
    func placePublicCopy(of fileName: String, made: URL?) throws {
        let destination = publicCopy(fileName)
        if let made {
            guard rename(made.path, destination.path) == 0 else {
                try? FileManager.default.removeItem(at: made)
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path])
            }
        } else if link(original(fileName).path, destination.path) != 0 {
            let temporary = publicCopies.appendingPathComponent(TemporaryName.make(".\(fileName)", extension: "tmp"))
            try FileManager.default.copyItem(at: original(fileName), to: temporary)
            try placePublicCopy(of: fileName, made: temporary)
        }
    }

    /// Whether `file` is the original of `fileName` (a hard link to it).
    func isOriginal(_ file: URL, of fileName: String) -> Bool {
        var linked = stat()
        var kept = stat()
        guard stat(file.path, &linked) == 0, stat(original(fileName).path, &kept) == 0 else { return false }
        return linked.st_dev == kept.st_dev && linked.st_ino == kept.st_ino
    }

    /// A fresh temporary path in the public folder, for the copy of `fileName` being made.
    func newPublicCopyPath(for fileName: String) -> URL {
        publicCopies.appendingPathComponent(TemporaryName.make(".\(fileName)", extension: "tmp"))
    }

    /// Renames a received upload, within the uploads folder, to a name that
    /// carries the item it becomes (`ID.EXT.…@w-HOST-PID.staged`), while its row is written.
    func stage(_ upload: URL, as fileName: String) throws -> URL {
        let staged = uploads.appendingPathComponent(TemporaryName.make(fileName, extension: Self.stagedExtension))
        try FileManager.default.moveItem(at: upload, to: staged)
        return staged
    }

    static let stagedExtension = "staged"

    /// Removes what was staged for `fileName` (its row was not written).
    func removeStaged(of fileName: String) {
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: uploads.path)) ?? []
        where name.hasPrefix(fileName + ".") && name.hasSuffix("." + Self.stagedExtension) {
            try? manager.removeItem(at: uploads.appendingPathComponent(name))
        }
    }

    /// A staged upload whose writer is gone, and the public copy made for it, if any.
    struct StagedAdoption {
        var fileName: String
        var original: URL
        var publicCopy: URL?
    }

    /// Staged uploads whose writer ended (on this machine) or that were left
    /// unwritten past `abandonedAfter` (a writer elsewhere), with their public copies.
    func abandonedStagedFiles(now: Date = Date()) -> [StagedAdoption] {
        let manager = FileManager.default
        let publics = (try? manager.contentsOfDirectory(atPath: publicCopies.path)) ?? []
        return ((try? manager.contentsOfDirectory(atPath: uploads.path)) ?? []).compactMap { name in
            guard name.hasSuffix("." + Self.stagedExtension), isAbandoned(uploads.appendingPathComponent(name), name: name, now: now),
                let marker = name.range(of: ".", options: [], range: name.index(after: name.startIndex)..<name.endIndex)
            else { return nil }
            // ID.EXT.RANDOM@w-…: the file name is up to the second dot.
            let rest = name[marker.upperBound...]
            let fileName = String(name[..<marker.upperBound]) + String(rest.prefix { $0 != "." })
            let copy = publics.first { $0.hasPrefix(".\(fileName).") && $0.hasSuffix(".tmp") }
            return StagedAdoption(
                fileName: fileName,
                original: uploads.appendingPathComponent(name),
                publicCopy: copy.map { publicCopies.appendingPathComponent($0) }
            )
        }
    }

    private func isAbandoned(_ file: URL, name: String, now: Date) -> Bool {
        if TemporaryName.writerHasEnded(name) { return true }
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.modificationDate] as? Date else { return false }
        return now.timeIntervalSince(modified) > Self.abandonedAfter
    }

    /// Removes an upload's original and its public copy.
    public func removeOriginal(_ fileName: String) async {
        await forget(.original(fileName))
        await forget(.publicCopy(fileName))
    }

    /// A fresh temporary path for an upload being received.
    public func newUploadPath() -> URL {
        uploads.appendingPathComponent(TemporaryName.make(MediaIdentifier.make(), extension: "part"))
    }

    /// Moves a fully received upload into the library under its final name.
    public func adoptOriginal(from temporary: URL, as fileName: String) throws {
        try FileManager.default.moveItem(at: temporary, to: original(fileName))
    }

    /// Writes rendition bytes as `STEM.HASH.EXT` (see `adoptRendition`) and returns that name.
    public func writeRendition(_ data: Data, stem: String, fileExtension: String) throws -> String {
        let temporary = renditions.appendingPathComponent(TemporaryName.make(".\(stem)", extension: "tmp"))
        do {
            try data.write(to: temporary)
            return try adoptRendition(temporary, stem: stem, fileExtension: fileExtension)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Moves a finished file written under a temporary name in the renditions
    /// folder to `STEM.HASH.EXT`, HASH from its content, and returns that name.
    public func adoptRendition(_ temporary: URL, stem: String, fileExtension: String) throws -> String {
        let digest = try FileDigest.sha256(temporary).prefix(6).hexString
        let name = "\(stem).\(digest).\(fileExtension)"
        try moveIntoRenditions(temporary, as: name)
        return name
    }

    /// Writes bytes under a name the caller chose (one that changes whenever the
    /// content should), through a temporary file and a rename.
    public func writeRendition(_ data: Data, named name: String) throws {
        let temporary = renditions.appendingPathComponent(TemporaryName.make(".\(name)", extension: "tmp"))
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        try moveIntoRenditions(temporary, as: name)
    }

    /// The one rename into the renditions folder: atomic, so readers see the
    /// old file or the whole new one; the temporary is removed if it fails.
    func moveIntoRenditions(_ temporary: URL, as name: String) throws {
        guard rename(temporary.path, rendition(name).path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: rendition(name).path])
        }
    }

    /// Removes the files of one media item's renditions that no row records,
    /// and its temporaries: what an attempt killed part-way (a worker that
    /// died, on this machine or another) left behind. Called before a job is
    /// tried again, while its lease keeps every other worker off this item.
    public func removeUnrecordedRenditions(of mediaId: String, keeping recorded: Set<String>) async {
        let manager = FileManager.default
        let names = (try? manager.contentsOfDirectory(atPath: renditions.path)) ?? []
        for name in names where name.hasPrefix("\(mediaId)-") || name.hasPrefix(".\(mediaId)-") {
            guard !recorded.contains(name) else { continue }
            try? manager.removeItem(at: rendition(name))
        }
        // Objects put before the attempt died (its renditions are put before its result is recorded).
        guard keepsFilesElsewhere else { return }
        // And parts of those it had begun to put (the lease keeps every other worker off this item).
        try? await store.abandonUnfinished(.renditions, prefix: "\(mediaId)-")
        guard let kept = try? await store.list(.renditions, prefix: "\(mediaId)-") else { return }
        for file in kept where !recorded.contains(file.key.name) { try? await store.remove(file.key) }
    }

    /// Removes uploads a crash left half-received.
    /// How long a temporary file may go unwritten before it counts as
    /// abandoned: longer than a job's lease, and every writer (an upload, an
    /// encoder, a `watch` copying a file in) touches its file far more often.
    public static let abandonedAfter: TimeInterval = 300

    /// Removes temporaries whose writer is gone: uploads being received, and
    /// the hidden `.…` files of renditions and public copies. One whose name
    /// says its writer was a process on this machine that has ended goes at
    /// once (a killed server's half-received upload); any other once unwritten
    /// for `abandonedAfter`. Files still being written (by a job or a `watch`
    /// running beside this process) are left alone.
    public func sweepAbandonedTemporaries(now: Date = Date()) {
        let manager = FileManager.default
        for folder in [uploads, renditions, publicCopies] {
            let names = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
            // Staged adoptions are finished or removed by `MediaIntake.finishInterruptedAdoptions` first.
            for name in names where (folder == uploads && !name.hasSuffix("." + Self.stagedExtension)) || name.hasPrefix(".") {
                let file = folder.appendingPathComponent(name)
                if TemporaryName.writerHasEnded(name) {
                    try? manager.removeItem(at: file)
                    continue
                }
                guard let modified = (try? manager.attributesOfItem(atPath: file.path))?[.modificationDate] as? Date,
                    now.timeIntervalSince(modified) > Self.abandonedAfter
                else { continue }
                try? manager.removeItem(at: file)
            }
        }
    }
}
