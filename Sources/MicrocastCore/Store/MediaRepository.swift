import Foundation

/// Uploads and what processing made of them.
public protocol MediaRepository: Sendable {
    /// Saves an upload and, in the same transaction, queues its processing (and its transcript).
    func add(_ item: MediaItem, jobs: [JobRequest]) async throws
    /// The item with this id, or nil.
    func media(id: String) async throws -> MediaItem?
    /// The items with these ids that exist, by id.
    func media(ids: [String]) async throws -> [String: MediaItem]
    /// The newest item with these bytes that did not fail, so a file seen again is not stored twice.
    func media(sha256: String) async throws -> MediaItem?
    /// Uploads, newest first.
    func recentMedia(limit: Int, offset: Int) async throws -> [MediaItem]
    /// Sets (or, with nil, clears) the item's alt text.
    func setAlt(mediaId: String, alt: String?) async throws
    /// Slugs of the posts that use this media item.
    func posts(usingMedia id: String) async throws -> [String]
    /// Forgets an item and its renditions, returning the rendition file names to remove.
    func remove(mediaId: String) async throws -> [String]
    /// The renditions of each of these items (an empty set for one with none).
    func renditions(forMedia ids: [String]) async throws -> [String: RenditionSet]
    /// Replaces the item's renditions, records its placeholder colour, and marks it ready, in one transaction.
    func finishProcessing(mediaId: String, renditions: [Rendition], placeholder: String?) async throws
}

extension MediaRepository {
    /// Saves an upload and, in the same transaction, queues its processing.
    public func add(_ item: MediaItem, processing: JobRequest?) async throws {
        try await add(item, jobs: processing.map { [$0] } ?? [])
    }
}
