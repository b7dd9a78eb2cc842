import Crypto
import Foundation
import MicrocastCore

/// The data folder on local disk:
///
///     DATA/microcast.sqlite     the store (plus -wal and -shm while open)
///     DATA/originals/ID.EXT     uploads exactly as received
///     DATA/renditions/NAME      derived files, named by their content
///     DATA/uploads/             uploads in progress (same file system, so a rename is atomic)
///
/// Nothing is written in place: every file is written under a temporary name
/// in the folder it ends up in, then renamed, so a half-written file is never served.
public struct MediaLibrary: Sendable {
    public let root: URL

    public init(root: URL) throws {
        self.root = root
        for folder in [originals, renditions, uploads] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
    }

    public var database: URL { root.appendingPathComponent("microcast.sqlite") }
    public var originals: URL { root.appendingPathComponent("originals", isDirectory: true) }
    public var renditions: URL { root.appendingPathComponent("renditions", isDirectory: true) }
    public var uploads: URL { root.appendingPathComponent("uploads", isDirectory: true) }

    public func original(_ fileName: String) -> URL { originals.appendingPathComponent(fileName) }
    public func rendition(_ fileName: String) -> URL { renditions.appendingPathComponent(fileName) }

    /// A fresh temporary path for an upload being received.
    public func newUploadPath() -> URL {
        uploads.appendingPathComponent("\(MediaIdentifier.make()).part")
    }

    /// Moves a fully received upload into the library under its final name.
    public func adoptOriginal(from temporary: URL, as fileName: String) throws {
        try FileManager.default.moveItem(at: temporary, to: original(fileName))
    }

    /// Writes rendition bytes as `STEM.HASH.EXT` (see `adoptRendition`) and returns that name.
    public func writeRendition(_ data: Data, stem: String, fileExtension: String) throws -> String {
        let temporary = renditions.appendingPathComponent(".\(stem).\(MediaIdentifier.make()).tmp")
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
        let temporary = renditions.appendingPathComponent(".\(name).\(MediaIdentifier.make()).tmp")
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
    private func moveIntoRenditions(_ temporary: URL, as name: String) throws {
        guard rename(temporary.path, rendition(name).path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: rendition(name).path])
        }
    }

    /// Removes uploads a crash left half-received.
    public func clearAbandonedUploads() {
        let leftovers = (try? FileManager.default.contentsOfDirectory(at: uploads, includingPropertiesForKeys: nil)) ?? []
        for file in leftovers { try? FileManager.default.removeItem(at: file) }
    }
}
