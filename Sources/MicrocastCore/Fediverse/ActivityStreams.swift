import Foundation

/// The site as a fediverse account: its name, kind and key, from settings.
public struct FediverseSettings: Sendable, Equatable {
    /// Setting keys, as stored.
    public enum Key: String, CaseIterable, Sendable {
        /// The account's name: `NAME` in `@NAME@host`.
        case name
        /// `Person`, or `Service` if the owner chooses.
        case actorType = "actor-type"
        case privateKey = "private-key"
        case publicKey = "public-key"
        /// `approval` holds follows for the owner; anything else accepts them at once.
        case follows
        /// `on`: objects and collections are served only to signed requests (Mastodon's authorized fetch).
        case secureMode = "secure-mode"
    }

    public var name: String
    public var actorType: String
    public var privateKey: String?
    public var publicKey: String?
    /// Follows wait for the owner's approval (`manuallyApprovesFollowers`).
    public var approvesFollowers: Bool

    public init(stored: Settings, site: SiteInfo) {
        func value(_ key: Key) -> String? { stored[.fediverse(key)].flatMap { $0.isEmpty ? nil : $0 } }
        name = value(.name) ?? Self.defaultName(author: site.authorName)
        actorType = value(.actorType) == "Service" ? "Service" : "Person"
        privateKey = value(.privateKey)
        publicKey = value(.publicKey)
        approvesFollowers = Self.approvesFollowers(stored)
    }

    /// Whether objects and collections need a signed request, from the settings alone.
    public static func secureMode(_ stored: Settings) -> Bool { stored[.fediverse(.secureMode)] == "on" }

    /// Whether follows wait for the owner, from the settings alone.
    public static func approvesFollowers(_ stored: Settings) -> Bool { stored[.fediverse(.follows)] == "approval" }

    /// The owner's first name, as a username: lower-case ASCII letters and
    /// digits ("Ada Lovelace" → `ada`); `owner` when nothing is left.
    public static func defaultName(author: String) -> String {
        let first = author.split(separator: " ").first.map(String.init) ?? ""
        let made = PostBuilder.slugify(first, maxWords: 1).replacingOccurrences(of: "-", with: "")
        return made.isEmpty ? "owner" : String(made.prefix(30))
    }
}

extension SettingKey {
    /// A fediverse setting.
    public static func fediverse(_ key: FediverseSettings.Key) -> SettingKey { SettingKey(stored: "fediverse." + key.rawValue) }

    /// When a fediverse server (`host` or `host:port`) was marked unreachable.
    public static func unreachableServer(_ server: String) -> SettingKey { SettingKey(stored: unreachablePrefix + server.lowercased()) }
    static let unreachablePrefix = "fediverse.unreachable."
}

extension Settings {
    /// Fediverse servers that stopped answering deliveries, with when (ISO 8601).
    public var unreachableServers: [String: String] { values(under: SettingKey.unreachablePrefix) }
}

extension URL {
    /// The server an inbox belongs to, as deliveries count its failures: its host, with a port if it has one.
    public var fediverseServer: String { (host ?? "").lowercased() + (port.map { ":\($0)" } ?? "") }
}

/// Where the site's actor and its collections live: one actor per site,
/// under a path that never changes when the owner renames the account.
extension SiteURLs {
    public var actor: String { base + "/actor" }
    public var actorKey: String { actor + "#main-key" }
    public var inbox: String { actor + "/inbox" }
    /// One inbox for every activity sent to the site, whoever it names.
    public var sharedInbox: String { base + "/inbox" }
    public var outbox: String { actor + "/outbox" }
    public var followers: String { actor + "/followers" }
    public var following: String { actor + "/following" }
}

/// ActivityStreams 2.0 documents the site serves, as Mastodon reads them.
public enum ActivityStreams {
    public static let context: JSONValue = .array([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        .object([
            "Hashtag": "as:Hashtag",
            "sensitive": "as:sensitive",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "focalPoint": .object(["@container": "@list", "@id": "toot:focalPoint"]),
            "blurhash": "toot:blurhash",
        ]),
    ])
    public static let publicAddress = "https://www.w3.org/ns/activitystreams#Public"
    /// What clients ask for: `application/activity+json`, or JSON-LD with the ActivityStreams profile.
    public static let contentType = "application/activity+json"

    /// Whether an `Accept` header asks for ActivityStreams rather than a page.
    public static func isWanted(accept: String?) -> Bool {
        guard let accept = accept?.lowercased() else { return false }
        return accept.contains("application/activity+json")
            || (accept.contains("application/ld+json") && accept.contains("https://www.w3.org/ns/activitystreams"))
    }

    /// The site's actor.
    public static func actor(
        settings: FediverseSettings,
        site: SiteInfo,
        summary: String,
        icon: String?,
        header: String?
    ) -> JSONValue {
        let urls = site.urls
        var actor: [String: JSONValue] = [
            "@context": context,
            "id": .string(urls.actor),
            "type": .string(settings.actorType),
            "preferredUsername": .string(settings.name),
            "name": .string(site.authorName == "Site owner" ? site.title : site.authorName),
            "summary": .string(summary),
            "url": .string(urls.home),
            "inbox": .string(urls.inbox),
            "outbox": .string(urls.outbox),
            "followers": .string(urls.followers),
            "following": .string(urls.following),
            "endpoints": .object(["sharedInbox": .string(urls.sharedInbox)]),
            "manuallyApprovesFollowers": .bool(settings.approvesFollowers),
            "discoverable": .bool(true),
            "publicKey": .object([
                "id": .string(urls.actorKey),
                "owner": .string(urls.actor),
                "publicKeyPem": .string(settings.publicKey ?? ""),
            ]),
        ]
        if let icon { actor["icon"] = .object(["type": "Image", "mediaType": "image/jpeg", "url": .string(icon)]) }
        if let header { actor["image"] = .object(["type": "Image", "mediaType": "image/jpeg", "url": .string(header)]) }
        return .object(actor)
    }

    /// WebFinger's answer for `acct:NAME@HOST`.
    public static func webfinger(name: String, host: String, urls: SiteURLs) -> JSONValue {
        .object([
            "subject": .string("acct:\(name)@\(host)"),
            "aliases": .array([.string(urls.actor), .string(urls.home)]),
            "links": .array([
                .object(["rel": "self", "type": "application/activity+json", "href": .string(urls.actor)]),
                .object(["rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": .string(urls.home)]),
            ]),
        ])
    }
}

/// The activities the site sends.
public enum Activities {
    /// `Create` or `Update` of a post's object; its id names the change, so a
    /// retry is the same activity (receivers drop one they have seen).
    public static func wrap(_ type: String, object: JSONValue, actor: String, followers: String, at date: Date) -> JSONValue {
        let objectId = object.objectValue?["id"]?.stringValue ?? actor
        return .object([
            "@context": ActivityStreams.context,
            "id": .string(objectId + "#\(type.lowercased())-\(Int(date.timeIntervalSince1970))"),
            "type": .string(type),
            "actor": .string(actor),
            "published": .string(PostObject.timestamp(date)),
            "to": .array([.string(ActivityStreams.publicAddress)]),
            "cc": .array([.string(followers)]),
            "object": object.removingContext,
        ])
    }

    /// `Delete` of a post: its object becomes a `Tombstone`.
    public static func delete(objectId: String, actor: String, followers: String, at date: Date) -> JSONValue {
        .object([
            "@context": ActivityStreams.context,
            "id": .string(objectId + "#delete-\(Int(date.timeIntervalSince1970))"),
            "type": "Delete",
            "actor": .string(actor),
            "to": .array([.string(ActivityStreams.publicAddress)]),
            "cc": .array([.string(followers)]),
            "object": .object(["id": .string(objectId), "type": "Tombstone"]),
        ])
    }

    /// `Accept` (or `Reject`) of someone's `Follow`.
    /// Our `Like` or `Announce` (a repost) of someone's post, made by a post
    /// of ours (`like-of`, `repost-of`): its id is that post's, so a retry is the same activity.
    public static func respond(_ type: String, to object: String, by post: String, actor: String, author: String) -> JSONValue {
        .object([
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": .string(post + "#" + type.lowercased()),
            "type": .string(type),
            "actor": .string(actor),
            "object": .string(object),
            "to": .array([.string(author)]),
        ])
    }

    /// Our `Follow` of a fediverse account (its id is stable: sent again, it is the same follow).
    public static func follow(_ account: String, actor: String) -> JSONValue {
        .object([
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": .string(actor + "#follows/" + (account.data(using: .utf8)?.base64EncodedString() ?? "")),
            "type": "Follow",
            "actor": .string(actor),
            "object": .string(account),
        ])
    }

    /// `Undo` of an activity of ours (a `Follow`): its id names what it undoes.
    public static func undo(_ activity: JSONValue, actor: String) -> JSONValue {
        let inner = activity.objectValue ?? [:]
        var object = inner
        object["@context"] = nil
        return .object([
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": .string((inner["id"]?.stringValue ?? actor) + "/undo"),
            "type": "Undo",
            "actor": .string(actor),
            "object": .object(object),
        ])
    }

    public static func accept(follow followId: String, follower: String, actor: String, type: String = "Accept") -> JSONValue {
        .object([
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": .string(actor + "#\(type.lowercased())s/" + (followId.data(using: .utf8)?.base64EncodedString() ?? "")),
            "type": .string(type),
            "actor": .string(actor),
            "object": .object(["id": .string(followId), "type": "Follow", "actor": .string(follower), "object": .string(actor)]),
        ])
    }
}

extension JSONValue {
    /// An object without its `@context` (one embedded in an activity has the activity's).
    var removingContext: JSONValue {
        guard case .object(var fields) = self else { return self }
        fields["@context"] = nil
        return .object(fields)
    }
}
