import Foundation
import HTMLKit

/// A reply, like or repost of one of our posts, as an activity gives it.
public struct FediverseResponse: Sendable, Equatable {
    public var kind: MentionKind
    /// The reply's object id, or the Like's or Announce's own id: what an
    /// Update, Delete or Undo names later.
    public var source: String
    /// Our post it answers.
    public var target: String
    public var url: String
    /// Sanitised HTML (a reply's text; empty for a like or repost).
    public var contentHTML: String
    public var published: Date?

    public init(kind: MentionKind, source: String, target: String, url: String, contentHTML: String = "", published: Date? = nil) {
        self.kind = kind
        self.source = source
        self.target = target
        self.url = url
        self.contentHTML = contentHTML
        self.published = published
    }
}

/// What a verified activity in the site's inbox asks of us. Everything is
/// read as the signer's own: an activity about another actor's objects
/// changes only what the signer made.
public enum InboxRequest: Sendable, Equatable {
    /// Follow the site; the Follow's id, which our Accept names.
    case follow(id: String)
    /// Undo of a Follow.
    case unfollow
    /// A reply (Create or Update of a Note answering one of our posts), a like or a repost.
    case respond(FediverseResponse)
    /// The signer takes one of theirs back: Undo of a Like or Announce, Delete of a reply.
    case withdraw(source: String)
    /// The signer's account is gone (Delete of the actor itself).
    case accountDeleted
    /// The signer moved to another account (Move, checked against the new actor's `alsoKnownAs`).
    case moved(to: String)
    /// A post of the signer's own that answers nothing of ours (a `Create`
    /// of a Note): for the timeline, when the owner follows them.
    case post(TimelineEntry)
    /// Taken and ignored, with what it was.
    case ignore(String)

    /// Reads `activity`, signed by `signer`, for the site at `urls`.
    public static func read(_ activity: [String: JSONValue], signer: String, urls: SiteURLs) -> InboxRequest {
        let type = activity["type"]?.stringValue ?? ""
        let object = activity["object"]
        let objectId = Self.id(of: object)
        func ours(_ url: String?) -> String? { url.flatMap { urls.slug(fromURL: $0) == nil ? nil : $0 } }

        switch type {
        case "Follow":
            guard objectId == urls.actor else { return .ignore("a Follow of someone else") }
            return .follow(id: activity["id"]?.stringValue ?? signer + "#follow")
        case "Undo":
            let inner = object?.objectValue?["type"]?.stringValue
            if inner == "Follow" { return .unfollow }
            guard let objectId else { return .ignore("an Undo of nothing") }
            return .withdraw(source: objectId)
        case "Like", "Announce":
            guard let id = activity["id"]?.stringValue, let target = ours(objectId) else { return .ignore("a \(type) of something not ours") }
            return .respond(FediverseResponse(kind: type == "Like" ? .like : .repost, source: id, target: target, url: id))
        case "Create", "Update":
            guard let note = object?.objectValue, let id = note["id"]?.stringValue else { return .ignore("a \(type) without an object") }
            guard Self.id(of: note["attributedTo"]) ?? signer == signer else { return .ignore("a \(type) of another actor's object") }
            guard let target = ours(Self.id(of: note["inReplyTo"])) else {
                guard type == "Create", let entry = FediversePost.entry(note) else { return .ignore("a \(type) that answers nothing of ours") }
                return .post(entry)
            }
            let html = note["content"]?.stringValue ?? ""
            let published = (note["published"]?.stringValue).flatMap(Self.date)
            let url = Self.url(of: note["url"]).flatMap { HTMLSanitizer.isSafe(url: $0, schemes: ["http", "https"]) ? $0 : nil } ?? id
            return .respond(
                FediverseResponse(
                    kind: .reply,
                    source: id,
                    target: target,
                    url: url,
                    contentHTML: HTMLSanitizer.remote.sanitize(html),
                    published: published
                )
            )
        case "Delete":
            guard let objectId else { return .ignore("a Delete of nothing") }
            return objectId == signer ? .accountDeleted : .withdraw(source: objectId)
        case "Move":
            guard objectId == signer, let target = activity["target"]?.stringValue else { return .ignore("a Move of someone else") }
            return .moved(to: target)
        default:
            return .ignore(type.isEmpty ? "an activity without a type" : type)
        }
    }

    /// An object's id: the string itself, or its `id`.
    public static func id(of value: JSONValue?) -> String? {
        value?.stringValue ?? value?.objectValue?["id"]?.stringValue
    }

    /// A `url` as Mastodon gives it: a string, a Link, or a list of either.
    public static func url(of value: JSONValue?) -> String? {
        if let first = value?.arrayValue?.first { return url(of: first) }
        return value?.stringValue ?? value?.objectValue?["href"]?.stringValue
    }

    static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle().parse(text)) ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
    }
}
