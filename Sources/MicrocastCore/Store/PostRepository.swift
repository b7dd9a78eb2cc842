import Foundation

// The store's contracts, one protocol per repository. SQLite (MicrocastStore)
// implements them today; a PostgreSQL store for several worker processes
// implements the same ones. The composition root picks one.

/// Posts: created, read, listed for the site, changed and deleted.
public protocol PostRepository: Sendable {
    /// Saves a new post, making its slug unique, and links the library media it uses (in order).
    func create(_ post: Post, mediaIds: [String]) async throws -> Post
    /// The post with this slug, whatever its status; nil if there is none.
    func post(slug: String) async throws -> Post?
    /// Published, not deleted, newest first.
    func publishedPosts(limit: Int, offset: Int) async throws -> [Post]
    /// Published posts of one kind (episodes, photo posts), newest first.
    func publishedPosts(kind: PostKind, limit: Int, offset: Int) async throws -> [Post]
    /// Published posts carrying the category `tag`, newest first.
    func publishedPosts(tagged tag: String, limit: Int, offset: Int) async throws -> [Post]
    /// How many published posts there are, in all or with the category `tag`.
    func publishedCount(tagged tag: String?) async throws -> Int
    /// Every post not deleted, drafts included, newest first (the owner's view).
    func allPosts(limit: Int, offset: Int) async throws -> [Post]
    /// The owner's list: posts of a kind and status (nil: any), deleted ones
    /// only when `deleted` is true, newest first.
    func ownerPosts(kind: PostKind?, status: Post.Status?, deleted: Bool, limit: Int, offset: Int) async throws -> [Post]
    /// Publishes every scheduled post whose date has come; returns their slugs.
    func publishDue(now: Date) async throws -> [String]
    /// Saves changed properties, date and status, and relinks the media used.
    func update(_ post: Post, mediaIds: [String]) async throws
    /// Marks a post deleted (`at` a date) or restores it (`at` nil).
    func setDeleted(slug: String, at date: Date?) async throws
    /// Categories of published posts, most used first.
    func categories() async throws -> [String]
    /// Changes whenever anything a page or feed shows changes (posts, media,
    /// renditions, settings); one cheap read, so caches can check it per request.
    func contentStamp() async throws -> String
}
