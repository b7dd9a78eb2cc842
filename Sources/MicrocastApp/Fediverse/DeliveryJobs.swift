import Foundation
import MicrocastCore

/// Turns a change to a post into one delivery per follower inbox (a
/// server's shared inbox once, however many of its people follow).
package struct FanoutJob: JobHandler {
    package let kind = JobKind.fanout
    package let pool = JobPool.network
    let store: any DataStore
    /// To find the inbox of a followed account a post answers.
    let actors: RemoteActors

    package init(store: any DataStore, actors: RemoteActors) {
        self.store = store
        self.actors = actors
    }

    package func run(_ job: Job) async throws -> JobDone {
        guard case .post(let slug) = job.subject else { throw JobSetback.giveUp("not a post: \(job.subject)") }
        guard let post = try await store.post(slug: slug) else { return JobDone(summary: "no post") }
        // What the change is to followers: the post gone, new, or changed.
        let activity: String
        if post.deletedAt != nil || post.status != .published {
            guard post.deletedAt != nil else { return JobDone(summary: "not public") }
            activity = "delete"
        } else {
            activity = post.updated == nil ? "create" : "update"
        }
        let inboxes = Set(try await store.followers().filter { $0.state == .accepted }.map(\.inbox)).sorted()
        var deliveries = inboxes.map { JobRequest(kind: .deliver, subject: .delivery(inbox: $0, activity: "\(activity) \(slug)")) }
        if activity == "create" { deliveries += try await answers(post, besides: Set(inboxes)) }
        return JobDone(.enqueued(deliveries), summary: "\(activity) to \(deliveries.count) inboxes")
    }

    /// A new post that answers a post of a followed fediverse account, told
    /// to that account the way it understands: a reply as our `Create` (its
    /// object has `inReplyTo`), a like as a `Like`, a repost as an `Announce`.
    func answers(_ post: Post, besides followerInboxes: Set<String>) async throws -> [JobRequest] {
        var deliveries: [JobRequest] = []
        for (property, activity) in [("in-reply-to", "create"), ("like-of", "like"), ("repost-of", "announce")] {
            for url in (post.properties[property] ?? []).compactMap(OutgoingLinks.responseURL) {
                guard let item = try await store.timelineItem(url: url),
                    let follow = try await store.follows().first(where: { $0.id == item.followId }), follow.feed.format == .activityPub
                else { continue }
                let inbox = try await actors.actor(keyId: follow.address).inbox
                // A follower's inbox already has the post's Create.
                if activity == "create", followerInboxes.contains(inbox) { continue }
                deliveries.append(JobRequest(kind: .deliver, subject: .delivery(inbox: inbox, activity: "\(activity) \(post.slug)")))
            }
        }
        return deliveries
    }
}

/// One signed activity POSTed to one inbox: a post's `Create`, `Update` or
/// `Delete`, or our `Accept` or `Reject` of a follow. Built when it is sent, so a retry
/// after a day sends the post as it is then; its id names the change, so a
/// receiver that saw a try already drops the next.
package struct DeliverJob: JobHandler {
    package let kind = JobKind.deliver
    package let pool = JobPool.network
    let store: any DataStore
    let identity: FediverseIdentity
    let sender: ActivitySender

    package init(store: any DataStore, identity: FediverseIdentity, sender: ActivitySender) {
        self.store = store
        self.identity = identity
        self.sender = sender
    }

    /// 10 s, 20 s, 40 s … up to ten minutes, then every ten minutes: twelve tries span about an hour and a quarter.
    package func backoff(attempt: Int) -> TimeInterval { JobBackoff.doubling(attempt: attempt) }

    package func run(_ job: Job) async throws -> JobDone {
        guard case .delivery(let inbox, let spec) = job.subject, let url = URL(string: inbox) else {
            throw JobSetback.giveUp("not a delivery: \(job.subject)")
        }
        let parts = spec.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw JobSetback.giveUp("unreadable delivery \(spec)") }
        let urls = identity.urls
        let activity: JSONValue
        switch parts[0] {
        case "accept", "reject":
            // Sent only while the follow is still in the state it answers.
            let wanted: Follower.State = parts[0] == "accept" ? .accepted : .rejected
            guard let follower = try await store.followers().first(where: { $0.actorId == parts[1] && $0.state == wanted }) else {
                return JobDone(summary: "the follow is no longer \(wanted.rawValue)")
            }
            activity = Activities.accept(
                follow: follower.followId,
                follower: follower.actorId,
                actor: urls.actor,
                type: parts[0] == "accept" ? "Accept" : "Reject"
            )
        case "like", "announce":
            guard let post = try await store.post(slug: parts[1]), post.deletedAt == nil else { return JobDone(summary: "no post") }
            let property = parts[0] == "like" ? "like-of" : "repost-of"
            guard let target = (post.properties[property] ?? []).compactMap(OutgoingLinks.responseURL).first else {
                return JobDone(summary: "the post no longer has \(property)")
            }
            // The account knows its post by its id, which may not be the address it is shown at.
            let item = try await store.timelineItem(url: target)
            var author = target
            if let item, let follow = try await store.follows().first(where: { $0.id == item.followId }) { author = follow.address }
            activity = Activities.respond(
                parts[0] == "like" ? "Like" : "Announce",
                to: item?.entry.id ?? target,
                by: urls.post(slug: post.slug),
                actor: urls.actor,
                author: author
            )
        case "follow":
            // Sent only while the owner still follows them, and the Undo only while not.
            guard try await store.follow(address: parts[1]) != nil else { return JobDone(summary: "no longer followed") }
            activity = Activities.follow(parts[1], actor: urls.actor)
        case "unfollow":
            guard try await store.follow(address: parts[1]) == nil else { return JobDone(summary: "followed again") }
            activity = Activities.undo(Activities.follow(parts[1], actor: urls.actor), actor: urls.actor)
        case "delete":
            activity = Activities.delete(objectId: urls.post(slug: parts[1]), actor: urls.actor, followers: urls.followers, at: Date())
        case "create", "update":
            guard let post = try await store.post(slug: parts[1]) else { return JobDone(summary: "no post") }
            // Sent whole, as followers will see it: never before its photos, video or audio are ready.
            let ids = EntryPresenter.mediaIds(in: post, urls: urls)
            if try await store.media(ids: ids).values.contains(where: { $0.state == .processing }) {
                throw JobSetback.postpone("waiting for the post's media to be processed", after: 2)
            }
            guard let object = try await identity.object(slug: parts[1]) else { return JobDone(summary: "the post is not public now") }
            let type = parts[0] == "create" ? "Create" : "Update"
            activity = Activities.wrap(type, object: object, actor: urls.actor, followers: urls.followers, at: post.updated ?? post.published)
        default:
            throw JobSetback.giveUp("unknown activity \(parts[0])")
        }
        let server = url.fediverseServer
        let since = try await store.settings().unreachableServers[server]
        let answer: FetchedResource
        do {
            answer = try await sender.post(activity, to: url)
        } catch let error as FetchError {
            if case .refusedAddress = error { throw JobSetback.giveUp("\(error)") }
            try await failed(job, server: server, unreachableSince: since, reason: error.description)
        }
        // Any answer but a server error says the server is there again.
        if since != nil, answer.status < 500 || answer.status == 503 { try await store.setSettings([.unreachableServer(server): nil]) }
        switch answer.status {
        case 200..<300: return JobDone(summary: "\(parts[0]) delivered: \(answer.status)")
        case 429, 503:
            throw JobSetback.postpone("\(inbox) asked to wait", after: NetworkRefusal.wait(answer.headers, now: Date()) ?? 60)
        // Gone, or refused for good (not found, forbidden, unprocessable): trying again cannot help.
        case 400..<500 where answer.status != 408: throw JobSetback.giveUp("\(inbox) answered \(answer.status)")
        default: try await failed(job, server: server, unreachableSince: since, reason: "\(inbox) answered \(answer.status)")
        }
    }

    /// A delivery the server did not take. A server already marked
    /// unreachable is tried once per delivery and not again; one that fails a
    /// delivery's last try is marked, so later deliveries do not spend their
    /// retries on it until it answers again.
    func failed(_ job: Job, server: String, unreachableSince since: String?, reason: String) async throws -> Never {
        if let since { throw JobSetback.giveUp("\(server) has been unreachable since \(since); tried once: \(reason)") }
        if job.isLastAttempt {
            try await store.setSettings([.unreachableServer(server): ISO8601DateFormatter().string(from: Date())])
        }
        throw FetchError.failed(reason)
    }
}
