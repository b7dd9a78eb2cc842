import Foundation

// The store's contracts, one protocol per repository. SQLite (MicrocastStore)
// implements them today; a PostgreSQL store for several worker processes
// implements the same ones. The composition root picks one.

/// The jobs a change to a post causes (its Webmentions, later its copies
/// elsewhere), decided from the post as saved, since only then is its slug
/// known, and queued in the same transaction as the change: a post is never
/// saved without them, nor they queued for a change that was not saved.
public typealias PostJobs = @Sendable (Post) -> [JobRequest]

/// Posts: created, read, listed for the site, changed and deleted.
public protocol PostRepository: Sendable {
    /// Saves a new post, making its slug unique, links the library media it
    /// uses (in order), and queues the jobs it causes, in one transaction.
    func create(_ post: Post, mediaIds: [String], jobs: PostJobs) async throws -> Post
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
    /// Publishes every scheduled post whose date has come, with the jobs each
    /// causes, in one transaction; returns their slugs.
    func publishDue(now: Date, jobs: PostJobs) async throws -> [String]
    /// Saves changed properties, date and status, relinks the media used, and
    /// queues the jobs the change causes, in one transaction.
    func update(_ post: Post, mediaIds: [String], jobs: PostJobs) async throws
    /// Marks a post deleted (`at` a date) or restores it (`at` nil), with the
    /// jobs that causes, in one transaction; returns the post as it now is.
    @discardableResult func setDeleted(slug: String, at date: Date?, jobs: PostJobs) async throws -> Post
    /// Categories of published posts, most used first.
    func categories() async throws -> [String]
    /// Changes whenever anything a page or feed shows changes (posts, media,
    /// renditions, settings); cheap, so caches can check it per request. The
    /// SQLite store keeps it for up to 50 ms: a change committed through the
    /// same store is seen at once, one made by another process within 50 ms.
    func contentStamp() async throws -> String
}
