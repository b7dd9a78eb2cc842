import Foundation
import MicrocastCore

/// One post's worth of dropped files: a media file, or a sub-folder of
/// photos, with the sidecar that describes it.
public struct DropItem: Sendable, Hashable {
    /// The file or folder name, as the person sees it.
    public var name: String
    public var url: URL
    /// The media files, in name order.
    public var files: [URL]
    public var sidecar: URL?
    public var isFolder: Bool

    /// What is in `folder` to take, in name order; `done/`, `failed/`,
    /// sidecars and temporary names are passed over, and so are symbolic
    /// links (files or folders) unless `followSymlinks`: a link can point
    /// anywhere on the machine, and the drop folder is often synced from elsewhere.
    public static func scan(_ folder: URL, followSymlinks: Bool = false) -> [DropItem] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        let present = Set(names)
        return names.compactMap { name in
            guard name != DropFolder.doneFolder, name != DropFolder.failedFolder, !DropFolder.isTemporary(name),
                !DropFolder.isSidecar(name)
            else { return nil }
            return item(folder.appendingPathComponent(name), followSymlinks: followSymlinks, sidecarExists: present.contains)
        }
    }

    static func isSymbolicLink(_ url: URL) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType) == .typeSymbolicLink
    }

    /// The item for a file or folder named on the command line, or nil if it
    /// is not there (or is a temporary or sidecar file).
    public static func named(_ url: URL) -> DropItem? {
        let name = url.lastPathComponent
        guard !DropFolder.isTemporary(name), !DropFolder.isSidecar(name) else { return nil }
        let folder = url.deletingLastPathComponent()
        // Named by the owner on the command line: a link is what they meant.
        return item(url, followSymlinks: true) { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
    }

    private static func item(_ url: URL, followSymlinks: Bool, sidecarExists: (String) -> Bool) -> DropItem? {
        let manager = FileManager.default
        let name = url.lastPathComponent
        if !followSymlinks && isSymbolicLink(url) { return nil }
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return nil }
        // A folder's sidecar is its whole name plus .json: "Skye 2026" → "Skye 2026.json".
        let sidecarName = isDirectory.boolValue ? name + ".json" : DropFolder.sidecarName(for: name)
        let sidecar = sidecarExists(sidecarName) ? url.deletingLastPathComponent().appendingPathComponent(sidecarName) : nil
        if isDirectory.boolValue {
            let inside = ((try? manager.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
                .filter { !DropFolder.isTemporary($0) && !DropFolder.isSidecar($0) }
                .map { url.appendingPathComponent($0) }
                .filter { followSymlinks || !isSymbolicLink($0) }
                .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            guard !inside.isEmpty else { return nil }
            return DropItem(name: name, url: url, files: inside, sidecar: sidecar, isFolder: true)
        }
        guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { return nil }
        return DropItem(name: name, url: url, files: [url], sidecar: sidecar, isFolder: false)
    }

    /// The media files and the sidecar: what must be complete before the item is taken.
    var allFiles: [URL] { files + (sidecar.map { [$0] } ?? []) }
}
