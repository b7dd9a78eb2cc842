import Foundation

/// The rules of a watched folder, as plain decisions on names.
public enum DropFolder {
    /// Where finished and refused files are moved; never scanned.
    public static let doneFolder = "done"
    public static let failedFolder = "failed"

    /// Names that belong to a file still being written or to the system:
    /// browsers' and sync tools' partial downloads, editors' lock files,
    /// hidden files. They are left alone until renamed.
    public static func isTemporary(_ name: String) -> Bool {
        let lower = name.lowercased()
        if name.hasPrefix(".") || name.hasPrefix("~$") || name.hasSuffix("~") { return true }
        return [".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".!sync", ".icloud"].contains { lower.hasSuffix($0) }
    }

    /// `NAME.json` describes the media file or folder called NAME.
    public static func isSidecar(_ name: String) -> Bool { name.lowercased().hasSuffix(".json") }

    /// The sidecar's name for a media file or folder name: `talk.wav` → `talk.json`, `trip` → `trip.json`.
    public static func sidecarName(for name: String) -> String {
        ((name as NSString).deletingPathExtension as String) + ".json"
    }

    /// `NAME.error.txt`, written beside a refused file in `failed/`.
    public static func errorNoteName(for name: String) -> String { name + ".error.txt" }
}
