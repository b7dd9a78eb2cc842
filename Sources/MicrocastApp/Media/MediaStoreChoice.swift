import Foundation
import MicrocastCore

/// Which media store a process of a site uses: the stored setting, which
/// every process reads, so a `worker` on another machine needs only the
/// database address and the bucket's credentials. `serve --media-store`
/// records it for a site that has no media yet; moving a site that has
/// media is `microcast media move`, which switches only once every file is copied.
package enum MediaStoreChoice {
    /// The store the site's setting names (local when none).
    package static func stored(in settings: any SettingsRepository) async throws -> MediaStoreLocation {
        guard let text = try await settings.settings()[.mediaStore] else { return .folder }
        return try MediaStoreLocation(parsing: text)
    }

    /// The store to use, given the one asked for (`--media-store`, nil: the stored one).
    package static func resolve(
        _ requested: MediaStoreLocation?,
        settings: any SettingsRepository,
        media: any MediaRepository
    ) async throws -> MediaStoreLocation {
        let stored = try await stored(in: settings)
        guard let requested, requested != stored else { return stored }
        guard try await media.recentMedia(limit: 1, offset: 0).isEmpty else {
            throw Mismatch(stored: stored, requested: requested)
        }
        try await settings.setSettings([.mediaStore: requested.description])
        return requested
    }

    /// The implementation for `location`.
    package static func open(_ location: MediaStoreLocation, root: URL) throws -> any MediaStore {
        switch location {
        case .folder: FolderMediaStore(root: root)
        case .bucket(let bucket): try BucketMediaStore.open(bucket)
        }
    }

    /// The site keeps its media in one store and a process was told another.
    package struct Mismatch: Error, CustomStringConvertible {
        package var stored: MediaStoreLocation
        package var requested: MediaStoreLocation
        package var description: String {
            "this site keeps its media in \(stored), not \(requested); to move it there run: microcast media move --to '\(requested)'"
        }
    }
}

extension MediaLibrary {
    /// The data folder with the site's chosen store attached (for commands that read or write media files).
    package static func opened(root: URL, settings: any SettingsRepository) async throws -> MediaLibrary {
        var library = try MediaLibrary(root: root)
        library.store = try MediaStoreChoice.open(try await MediaStoreChoice.stored(in: settings), root: root)
        return library
    }
}
