import Foundation

/// Where a site's media files are kept for good: the data folder (the
/// default) or an S3-compatible bucket. Stored as a setting once chosen, so
/// every process of a site agrees; `microcast media move` changes it.
public enum MediaStoreLocation: Sendable, Equatable, CustomStringConvertible {
    case folder
    case bucket(BucketLocation)

    /// Reads `local` or `s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION&path-style=true`.
    public init(parsing text: String) throws {
        if text == "local" {
            self = .folder
        } else {
            self = .bucket(try BucketLocation(parsing: text))
        }
    }

    public var description: String {
        switch self {
        case .folder: "local"
        case .bucket(let location): location.description
        }
    }
}

/// The folders of a media library, which are also its object keys' first segment.
public enum MediaFolder: String, Sendable, CaseIterable {
    /// Uploads exactly as received; never served.
    case originals
    /// What an upload's public URL serves: a photo without its location.
    case publicCopies = "public"
    /// Derived files, named by their content.
    case renditions
}

/// One file of the media library: its folder and name (`renditions/ID-640.3fa2c1.jpg`).
public struct MediaKey: Sendable, Hashable, CustomStringConvertible {
    public var folder: MediaFolder
    public var name: String

    public init(_ folder: MediaFolder, _ name: String) {
        self.folder = folder
        self.name = name
    }

    public static func original(_ name: String) -> MediaKey { MediaKey(.originals, name) }
    public static func publicCopy(_ name: String) -> MediaKey { MediaKey(.publicCopies, name) }
    public static func rendition(_ name: String) -> MediaKey { MediaKey(.renditions, name) }

    /// `FOLDER/NAME`: the object key under a bucket's prefix, and the path under the data folder.
    public var path: String { folder.rawValue + "/" + name }
    public var description: String { path }

    /// Reads `FOLDER/NAME`; nil for anything else (a temporary's hidden name included).
    public init?(path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let folder = MediaFolder(rawValue: String(parts[0])), !parts[1].isEmpty, !parts[1].hasPrefix(".") else { return nil }
        self.init(folder, String(parts[1]))
    }
}
