import Foundation
import MicrocastCore

/// Creating, changing, deleting and restoring posts: the one way a post
/// comes in, whoever brings it (a Micropub client, the studio, `ingest`, the
/// watch folder). Every change that readers can see queues the jobs it
/// causes (the post's Webmentions, so the pages it links learn of it) in
/// the same transaction as the change.
package struct Publishing: Sendable {
    package let posts: any PostRepository
    package let ingests: any IngestRepository
    /// The accounts a post may be copied to.
    package let accounts: any SyndicationRepository
    package let intake: MediaIntake
    package let urls: SiteURLs

    package init(
        posts: any PostRepository,
        ingests: any IngestRepository,
        accounts: any SyndicationRepository,
        intake: MediaIntake,
        urls: SiteURLs
    ) {
        self.posts = posts
        self.ingests = ingests
        self.accounts = accounts
        self.intake = intake
        self.urls = urls
    }

    /// What a change to a post readers can see (or could) sets going: its
    /// Webmentions, and its copy on each account it goes to.
    static let changeJobs: PostJobs = { post in changeJobs(post, alsoCopiedTo: []) }

    /// The same, with the copies on `earlier` accounts too (ones the change
    /// took the post off, whose copies go).
    static func changeJobs(_ post: Post, alsoCopiedTo earlier: [String]) -> [JobRequest] {
        var accounts = post.syndicateTo
        for uid in earlier where !accounts.contains(uid) { accounts.append(uid) }
        return [JobRequest(kind: .sendMentions, subject: .post(post.slug)), JobRequest(kind: .fanout, subject: .post(post.slug))]
            + accounts.map { JobRequest(kind: .syndicate, subject: .copy(post: post.slug, account: $0)) }
    }
    /// A new post sets them going once it is published (a draft or a scheduled post waits).
    static let creationJobs: PostJobs = { post in post.status == .published ? changeJobs(post) : [] }

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
        var draft = PostBuilder.post(from: create)
        draft.syndicateTo = try await syndicationTargets(create.commands["mp-syndicate-to"] ?? [])
        let saved = try await posts.create(draft, mediaIds: EntryPresenter.mediaIds(in: draft, urls: urls), jobs: Self.creationJobs)
        FaultPoint.postSaved.reached()
        return saved
    }

    /// Saves a post made from dropped files (`ingest`, the watch folder) or
    /// an import, with the key it is known by (the files' hash, an episode's
    /// guid), so the same thing never makes two posts.
    /// An import's posts are quiet unless the owner asks (`announce`): years
    /// of old episodes should not reach every follower and linked page at once.
    package func create(
        _ request: MicropubCreate,
        ingestHash: String,
        source: String,
        announce: Bool = true
    ) async throws -> (record: IngestRecord, created: Bool) {
        let draft = PostBuilder.post(from: request)
        return try await ingests.createPost(
            draft,
            mediaIds: EntryPresenter.mediaIds(in: draft, urls: urls),
            ingestHash: ingestHash,
            source: source,
            jobs: announce ? Self.creationJobs : { _ in [] }
        )
    }

    /// Applies an update (replace, add, delete) and saves the result.
    package func update(_ update: MicropubUpdate) async throws {
        guard !update.isEmpty else { throw MicropubError.invalidRequest("the update has no replace, add or delete") }
        let earlier = try await post(at: update.url)
        try await save(update.apply(to: earlier), replacing: earlier)
    }

    /// Saves a changed post (the studio's editor, a Micropub update), with
    /// the jobs the change causes.
    package func save(_ changed: Post, replacing earlier: Post) async throws {
        let before = earlier.syndicateTo
        try await posts.update(changed, mediaIds: EntryPresenter.mediaIds(in: changed, urls: urls)) { Self.changeJobs($0, alsoCopiedTo: before) }
    }

    /// The accounts named by `mp-syndicate-to`: each must be one of ours.
    package func syndicationTargets(_ values: [JSONValue]) async throws -> [String] {
        let named = values.compactMap(\.stringValue).filter { !$0.isEmpty }
        guard !named.isEmpty else { return [] }
        let known = try await accounts.syndicationAccounts().map(\.uid)
        var chosen: [String] = []
        for uid in named where !chosen.contains(uid) {
            guard known.contains(uid) else {
                let list = known.isEmpty ? "there are none (q=syndicate-to)" : "q=syndicate-to lists " + known.joined(separator: ", ")
                throw MicropubError.invalidRequest("unknown mp-syndicate-to \"\(uid)\"; \(list)")
            }
            chosen.append(uid)
        }
        return chosen
    }

    /// Deletes the post at `url` (it then answers 410 until restored).
    package func delete(url: String) async throws {
        try await posts.setDeleted(slug: try await post(at: url).slug, at: Date(), jobs: Self.changeJobs)
    }

    /// Restores a deleted post at the same URL.
    package func undelete(url: String) async throws {
        try await posts.setDeleted(slug: try await post(at: url, includingDeleted: true).slug, at: nil, jobs: Self.changeJobs)
    }

    /// Publishes every scheduled post whose time has come, with the jobs each causes.
    package func publishDue(now: Date) async throws -> [String] {
        try await posts.publishDue(now: now, jobs: Self.changeJobs)
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
