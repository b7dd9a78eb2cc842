import Foundation
import MicrocastCore

extension FediverseIdentity {
    /// The outbox: a `Create` of every published post, newest first.
    public func outbox(page: Int?) async throws -> JSONValue {
        let urls = site.urls
        let total = try await store.publishedCount(tagged: nil)
        guard let page else { return ActorCollections.collection(id: urls.outbox, totalItems: total, listed: true) }
        var items: [JSONValue] = []
        let posts = try await store.publishedPosts(limit: ActorCollections.pageSize, offset: (page - 1) * ActorCollections.pageSize)
        for post in posts {
            guard let object = try await object(slug: post.slug) else { continue }
            items.append(Activities.wrap("Create", object: object, actor: urls.actor, followers: urls.followers, at: post.published))
        }
        return ActorCollections.page(of: urls.outbox, page: page, totalItems: total, items: items)
    }

    /// The followers: their count for anyone; who they are, oldest first, for the owner only.
    public func followers(page: Int?, owner: Bool) async throws -> JSONValue {
        let urls = site.urls
        let followers = try await store.followers().filter { $0.state == .accepted }
        guard owner, let page else { return ActorCollections.collection(id: urls.followers, totalItems: followers.count, listed: owner) }
        let items = followers.dropFirst((page - 1) * ActorCollections.pageSize).prefix(ActorCollections.pageSize).map { JSONValue.string($0.actorId) }
        return ActorCollections.page(of: urls.followers, page: page, totalItems: followers.count, items: Array(items))
    }

    /// Whom the site follows: nobody yet.
    public func following() -> JSONValue {
        ActorCollections.collection(id: site.urls.following, totalItems: 0, listed: false)
    }
}
