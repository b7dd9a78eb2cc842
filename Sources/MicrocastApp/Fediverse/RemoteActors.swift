import Foundation
import MicrocastCore
import Synchronization

/// A fediverse actor as far as verifying, answering and crediting them needs.
package struct RemoteActor: Sendable, Equatable {
    package var id: String
    package var publicKeyPEM: String
    /// Their server's shared inbox, else their own.
    package var inbox: String
    package var name: String = ""
    /// Their avatar, as their server gives it.
    package var icon: String = ""
    /// Accounts they say they also are (a `Move` is believed only when the new one names the old).
    package var alsoKnownAs: [String] = []
}

/// Actors fetched to verify their signatures, kept a day; fetched again at
/// once when a signature does not verify (their key may have rotated). At
/// most `capacity` are kept, the oldest fetched going first, so a flood of
/// strangers cannot grow it without bound.
package final class RemoteActors: Sendable {
    let sender: ActivitySender
    let capacity: Int
    private let cache = Mutex<[String: (actor: RemoteActor, fetched: Date)]>([:])

    package init(sender: ActivitySender, capacity: Int = 10_000) {
        self.sender = sender
        self.capacity = capacity
    }

    /// The actor a `keyId` names (`https://host/users/ann#main-key`), or an actor id.
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
        let actor = RemoteActor(
            id: actorId,
            publicKeyPEM: pem,
            inbox: shared ?? inbox,
            name: document["name"]?.stringValue ?? document["preferredUsername"]?.stringValue ?? "",
            icon: InboxRequest.url(of: document["icon"]?.objectValue?["url"]) ?? "",
            alsoKnownAs: document["alsoKnownAs"]?.arrayValue?.compactMap(\.stringValue) ?? []
        )
        cache.withLock { cache in
            if cache.count >= capacity, cache[id] == nil, let oldest = cache.min(by: { $0.value.fetched < $1.value.fetched })?.key {
                cache[oldest] = nil
            }
            cache[id] = (actor, Date())
        }
        return actor
    }

    /// How many actors are kept now.
    package var count: Int { cache.withLock { $0.count } }
}
