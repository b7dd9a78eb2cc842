import Foundation
import MicrocastCore
import Synchronization

/// A fediverse actor as far as verifying and answering them needs.
package struct RemoteActor: Sendable, Equatable {
    package var id: String
    package var publicKeyPEM: String
    /// Their server's shared inbox, else their own.
    package var inbox: String
}

/// Actors fetched to verify their signatures, kept a day; fetched again at
/// once when a signature does not verify (their key may have rotated).
package final class RemoteActors: Sendable {
    let sender: ActivitySender
    private let cache = Mutex<[String: (actor: RemoteActor, fetched: Date)]>([:])

    package init(sender: ActivitySender) { self.sender = sender }

    /// The actor a `keyId` names (`https://host/users/ann#main-key`).
    package func actor(keyId: String, fresh: Bool = false) async throws -> RemoteActor {
        let id = String(keyId.split(separator: "#", maxSplits: 1).first ?? "")
        if !fresh, let cached = cache.withLock({ $0[id] }), Date().timeIntervalSince(cached.fetched) < 86_400 { return cached.actor }
        guard let url = URL(string: id) else { throw HTTPSignature.Refusal.unreadable("keyId \(keyId) is not a URL") }
        let answer = try await sender.get(url)
        guard (200..<300).contains(answer.status),
            let document = try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body.readableBytesView)).objectValue,
            let key = document["publicKey"]?.objectValue, let pem = key["publicKeyPem"]?.stringValue,
            let actorId = document["id"]?.stringValue, let inbox = document["inbox"]?.stringValue
        else { throw HTTPSignature.Refusal.unreadable("no actor with a public key at \(id)") }
        let shared = document["endpoints"]?.objectValue?["sharedInbox"]?.stringValue
        let actor = RemoteActor(id: actorId, publicKeyPEM: pem, inbox: shared ?? inbox)
        cache.withLock { $0[id] = (actor, Date()) }
        return actor
    }
}

/// What the inbox did with an activity.
package enum InboxOutcome: Equatable, Sendable {
    case followed(String)
    case unfollowed(String)
    case ignored(String)
}

/// The site's inbox: every POST's signature verified against its sender's
/// key, the body against its digest; a `Follow` of the site accepted (the
/// follower saved and our `Accept` queued, in one transaction), its `Undo`
/// forgotten; anything else taken and ignored.
package struct FediverseInbox: Sendable {
    let store: any DataStore
    let actors: RemoteActors
    let urls: SiteURLs

    package init(store: any DataStore, actors: RemoteActors, urls: SiteURLs) {
        self.store = store
        self.actors = actors
        self.urls = urls
    }

    static func verifies(_ parameters: HTTPSignature.Parameters, method: String, path: String, key: String, header: (String) -> String?) -> Bool {
        do {
            try HTTPSignature.verify(parameters, method: method, path: path, hasBody: true, publicKeyPEM: key, value: header)
            return true
        } catch {
            return false
        }
    }

    /// Verifies and handles one POST; throws `HTTPSignature.Refusal` for a request that does not prove its sender.
    package func receive(body: Data, method: String, path: String, header: (String) -> String?) async throws -> InboxOutcome {
        guard let signature = header("signature") else { throw HTTPSignature.Refusal.missing }
        let parameters = try HTTPSignature.parse(signature)
        guard HTTPSignature.bodyMatches(body, digest: header("digest"), contentDigest: header("content-digest")) else {
            throw HTTPSignature.Refusal.digestMismatch
        }
        var signer = try await actors.actor(keyId: parameters.keyId)
        if !Self.verifies(parameters, method: method, path: path, key: signer.publicKeyPEM, header: header) {
            signer = try await actors.actor(keyId: parameters.keyId, fresh: true)
        }
        try HTTPSignature.verify(parameters, method: method, path: path, hasBody: true, publicKeyPEM: signer.publicKeyPEM, value: header)
        guard let activity = try? JSONDecoder().decode(JSONValue.self, from: body).objectValue else { return .ignored("not JSON") }
        // Only the signer speaks for themselves.
        guard activity["actor"]?.stringValue == signer.id else { return .ignored("signed by \(signer.id) for another actor") }
        let type = activity["type"]?.stringValue ?? ""
        switch type {
        case "Follow" where activity["object"]?.stringValue == urls.actor:
            let followId = activity["id"]?.stringValue ?? signer.id + "#follow"
            try await store.saveFollower(
                Follower(actorId: signer.id, inbox: signer.inbox, followId: followId, followedAt: Date()),
                jobs: [JobRequest(kind: .deliver, subject: .delivery(inbox: signer.inbox, activity: "accept " + signer.id))]
            )
            return .followed(signer.id)
        case "Undo" where activity["object"]?.objectValue?["type"]?.stringValue == "Follow":
            return try await store.removeFollower(actorId: signer.id) ? .unfollowed(signer.id) : .ignored("not a follower")
        default:
            return .ignored(type)
        }
    }
}
