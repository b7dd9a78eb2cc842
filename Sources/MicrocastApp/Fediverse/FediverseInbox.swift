import Foundation
import MicrocastCore

/// What the inbox did with an activity.
package enum InboxOutcome: Equatable, Sendable {
    case followed(String)
    /// A follow held for the owner's approval.
    case askedToFollow(String)
    case unfollowed(String)
    /// A reply, like or repost recorded for a post, in the moderation state the owner's rules gave it.
    case responded(MentionKind, Mention.State)
    /// Responses their author took back (how many).
    case withdrew(Int)
    /// An account that is gone: its follow and responses forgotten.
    case forgot(String)
    case moved(from: String, to: String)
    /// A followed account's post, and whether it was new to the timeline.
    case tookPost(new: Bool)
    case ignored(String)
}

/// The site's inbox: every POST's signature verified against its sender's
/// key, the body against its digest. A `Follow` of the site is accepted (the
/// follower saved and our `Accept` queued, in one transaction); replies,
/// likes and reposts of our posts become responses under the moderation
/// Webmentions have, and their author can take them back; anything else is
/// taken and ignored. Senders the owner blocked (`microcast mentions block`)
/// are taken and ignored whatever they send.
package struct FediverseInbox: Sendable {
    let store: any DataStore
    let actors: RemoteActors
    let urls: SiteURLs

    package init(store: any DataStore, actors: RemoteActors, urls: SiteURLs) {
        self.store = store
        self.actors = actors
        self.urls = urls
    }

    /// The actor who signed a request, its signature (draft-cavage or RFC
    /// 9421) verified against their published key, fetched again once if it
    /// does not verify: keys rotate.
    func signer(
        _ signature: IncomingSignature,
        method: String,
        path: String,
        hasBody: Bool,
        header: (String) -> String?
    ) async throws
        -> RemoteActor
    {
        // RFC 9421 covers the whole target: the scheme is the site's (behind a proxy too), the host the request's.
        let scheme = URLComponents(string: urls.base)?.scheme ?? "https"
        let target = scheme + "://" + (header("host") ?? "") + path
        func check(_ key: String) throws(HTTPSignature.Refusal) {
            try signature.verify(method: method, path: path, targetURI: target, hasBody: hasBody, publicKeyPEM: key, header: header)
        }
        func failure(_ key: String) -> HTTPSignature.Refusal? {
            do {
                try check(key)
                return nil
            } catch {
                return error
            }
        }
        var signer = try await actors.actor(keyId: signature.keyId)
        // Only a signature that does not verify sends us for the key again
        // (a stale or malformed request would not verify with any key).
        if failure(signer.publicKeyPEM) == .badSignature { signer = try await actors.actor(keyId: signature.keyId, fresh: true) }
        try check(signer.publicKeyPEM)
        return signer
    }

    /// Who a signed GET comes from (secure mode): throws `HTTPSignature.Refusal`
    /// for a request that does not prove its sender, `FetchError` when their
    /// key cannot be had; nil when the owner blocked them.
    package func signedReader(method: String, path: String, header: (String) -> String?) async throws -> RemoteActor? {
        let reader = try await signer(try IncomingSignature.read(header: header), method: method, path: path, hasBody: false, header: header)
        return MentionPolicy(settings: try await store.settings()).isBlocked(.author(reader.id)) ? nil : reader
    }

    /// Whether a GET of the site's objects and collections may be answered:
    /// always, unless secure mode is on; then only when signed by an actor the
    /// owner has not blocked (false). Throws the refusal of an unproven request.
    package func mayRead(method: String, path: String, header: (String) -> String?) async throws -> Bool {
        guard FediverseSettings.secureMode(try await store.settings()) else { return true }
        return try await signedReader(method: method, path: path, header: header) != nil
    }

    /// Verifies and handles one POST; throws `HTTPSignature.Refusal` for a request that does not prove its sender.
    package func receive(body: Data, method: String, path: String, header: (String) -> String?) async throws -> InboxOutcome {
        let signature = try IncomingSignature.read(header: header)
        guard HTTPSignature.bodyMatches(body, digest: header("digest"), contentDigest: header("content-digest")) else {
            throw HTTPSignature.Refusal.digestMismatch
        }
        let signer: RemoteActor
        do {
            signer = try await self.signer(signature, method: method, path: path, hasBody: true, header: header)
        } catch let refusal as HTTPSignature.Refusal {
            throw refusal
        } catch  where Self.isSelfDelete(body, keyId: signature.keyId) {
            // A deleted account's actor is gone (410) with its key, and its
            // server keeps retrying until answered: taken, unverified, unused.
            return .ignored("a Delete of an account whose key is gone")
        }
        guard let activity = try? JSONDecoder().decode(JSONValue.self, from: body).objectValue else { return .ignored("not JSON") }
        // Only the signer speaks for themselves.
        guard activity["actor"]?.stringValue == signer.id else { return .ignored("signed by \(signer.id) for another actor") }
        let policy = MentionPolicy(settings: try await store.settings())
        guard !policy.isBlocked(.author(signer.id)) else { return .ignored("\(signer.id) is blocked") }
        return try await handle(InboxRequest.read(activity, signer: signer.id, urls: urls), from: signer, policy: policy)
    }

    static func isSelfDelete(_ body: Data, keyId: String) -> Bool {
        guard let activity = try? JSONDecoder().decode(JSONValue.self, from: body).objectValue,
            activity["type"]?.stringValue == "Delete", let actor = activity["actor"]?.stringValue
        else { return false }
        return InboxRequest.id(of: activity["object"]) == actor && keyId.hasPrefix(actor)
    }

    func handle(_ request: InboxRequest, from signer: RemoteActor, policy: MentionPolicy) async throws -> InboxOutcome {
        switch request {
        case .follow(let followId):
            // Someone already following is accepted again (their server lost
            // our Accept); anyone else waits for the owner if the owner asks.
            let known = try await store.followers().first { $0.actorId == signer.id }
            let approves = FediverseSettings.approvesFollowers(try await store.settings())
            let state: Follower.State = known?.state == .accepted || !approves ? .accepted : .pending
            try await store.saveFollower(
                Follower(actorId: signer.id, inbox: signer.inbox, followId: followId, followedAt: known?.followedAt ?? Date(), state: state),
                jobs: state == .pending ? [] : [JobRequest(kind: .deliver, subject: .delivery(inbox: signer.inbox, activity: "accept " + signer.id))]
            )
            return state == .pending ? .askedToFollow(signer.id) : .followed(signer.id)
        case .unfollow:
            return try await store.removeFollower(actorId: signer.id) ? .unfollowed(signer.id) : .ignored("not a follower")
        case .respond(let response):
            return try await record(response, from: signer, policy: policy)
        case .withdraw(let source):
            return .withdrew(try await store.forgetResponses(authorURL: signer.id, source: source))
        case .accountDeleted:
            _ = try await store.removeFollower(actorId: signer.id)
            _ = try await store.forgetResponses(authorURL: signer.id, source: nil)
            return .forgot(signer.id)
        case .moved(let target):
            // Believed only if the new account says it is the old one.
            let moved = try await actors.actor(keyId: target, fresh: true)
            guard moved.alsoKnownAs.contains(signer.id) else { return .ignored("\(target) does not name \(signer.id) in alsoKnownAs") }
            guard let follower = try await store.followers().first(where: { $0.actorId == signer.id }) else {
                return .ignored("not a follower")
            }
            _ = try await store.removeFollower(actorId: signer.id)
            try await store.saveFollower(
                Follower(
                    actorId: moved.id,
                    inbox: moved.inbox,
                    followId: follower.followId,
                    followedAt: follower.followedAt,
                    state: follower.state
                ),
                jobs: []
            )
            return .moved(from: signer.id, to: moved.id)
        case .post(var entry):
            guard let follow = try await store.follow(address: signer.id), follow.feed.format == .activityPub else {
                return .ignored("a post from an account the owner does not follow")
            }
            entry.author = TimelineEntry.Author(
                name: signer.name.isEmpty ? nil : signer.name,
                url: URL(string: signer.id),
                photo: LinkPolicy.isRenderable(signer.icon) ? URL(string: signer.icon) : nil
            )
            let added = try await store.recordPoll(followId: follow.id, .pushed(entries: [entry]), now: Date())
            return .tookPost(new: added > 0)
        case .ignore(let what):
            return .ignored(what)
        }
    }

    /// A response to a published post, held or shown as the owner's rules say.
    func record(_ response: FediverseResponse, from signer: RemoteActor, policy: MentionPolicy) async throws -> InboxOutcome {
        guard let slug = urls.slug(fromURL: response.target), let post = try await store.post(slug: slug), post.status == .published,
            post.deletedAt == nil
        else {
            return .ignored("a response to no post of ours")
        }
        let state = policy.state(forVerifiedFrom: .author(signer.id))
        let mention = Mention(
            id: MentionIdentifier.make(),
            source: response.source,
            target: urls.post(slug: slug),
            postSlug: slug,
            state: state,
            reason: state == .held ? "waiting for the owner's approval" : nil,
            kind: response.kind,
            author: MentionAuthor(name: signer.name, url: signer.id, remotePhoto: signer.icon),
            contentHTML: response.contentHTML,
            published: response.published,
            url: response.url,
            receivedAt: Date(),
            via: Mention.fediverse
        )
        try await store.recordResponses([mention])
        return .responded(response.kind, state)
    }
}
