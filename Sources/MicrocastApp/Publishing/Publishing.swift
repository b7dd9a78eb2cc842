import Foundation
import MicrocastCore

/// Creating, changing, deleting and restoring posts: what the Micropub
/// endpoint does for any client and the studio does for the owner, through
/// this one implementation. Every change that readers can see queues the
/// post's Webmentions, so the pages it links learn of it.
package struct Publishing: Sendable {
    package let posts: any PostRepository
    package let queue: any JobQueue
    package let intake: MediaIntake
    package let urls: SiteURLs

    package init(posts: any PostRepository, queue: any JobQueue, intake: MediaIntake, urls: SiteURLs) {
        self.posts = posts
        self.queue = queue
        self.intake = intake
        self.urls = urls
    }

    /// Saves a new post; files sent with it are stored exactly like
    /// media-endpoint uploads, then referenced by URL.
    package func create(_ request: MicropubCreate, files: [ReceivedFile] = []) async throws -> Post {
        var create = request
        if let destination = create.command("mp-destination"), destination != urls.home, destination != urls.base {
            throw MicropubError.invalidRequest("unknown mp-destination \"\(destination)\"; q=config lists \(urls.home)")
        }
        for file in files {
            let item = try await intake.adopt(file)
            create.properties[file.field, default: []].append(.string(urls.original(fileName: item.fileName)))
        }
        let draft = PostBuilder.post(from: create)
        let saved = try await posts.create(draft, mediaIds: EntryPresenter.mediaIds(in: draft, urls: urls))
        if saved.status == .published { try await sendMentions(saved.slug) }
        return saved
    }

    /// Applies an update (replace, add, delete) and saves the result.
    package func update(_ update: MicropubUpdate) async throws {
        guard !update.isEmpty else { throw MicropubError.invalidRequest("the update has no replace, add or delete") }
        let changed = update.apply(to: try await post(at: update.url))
        try await posts.update(changed, mediaIds: EntryPresenter.mediaIds(in: changed, urls: urls))
        try await sendMentions(changed.slug)
    }

    /// Deletes the post at `url` (it then answers 410 until restored).
    package func delete(url: String) async throws {
        let slug = try await post(at: url).slug
        try await posts.setDeleted(slug: slug, at: Date())
        try await sendMentions(slug)
    }

    /// Restores a deleted post at the same URL.
    package func undelete(url: String) async throws {
        let slug = try await post(at: url, includingDeleted: true).slug
        try await posts.setDeleted(slug: slug, at: nil)
        try await sendMentions(slug)
    }

    /// Queued, never sent on the request path: the job fetches every linked page.
    package func sendMentions(_ slug: String) async throws {
        try await queue.enqueue(JobRequest(kind: .sendMentions, subject: slug), now: Date())
    }

    /// The post a client names by URL; a URL that is not one of our posts is a bad request.
    package func post(at url: String, includingDeleted: Bool = false) async throws -> Post {
        guard let slug = urls.slug(fromURL: url) else {
            throw MicropubError.invalidRequest("\(url) is not a post on this site")
        }
        guard let post = try await posts.post(slug: slug), includingDeleted || post.deletedAt == nil else {
            throw MicropubError.invalidRequest("there is no post at \(url)")
        }
        return post
    }
}
