import Foundation

/// The Microsub API's answers for this site's timeline, in the shapes the
/// specification gives (jf2 entries, `{"channels": …}`, `{"items": …,
/// "paging": …}`), so reader apps (Monocle, Indigenous, Together) read the
/// timeline the studio shows. Pure: the endpoint fetches, this shapes.
public enum Microsub {
    /// The channels: `notifications` (which the specification reserves and
    /// every client expects) and the home timeline every source fills.
    public enum Channel: String, Sendable, CaseIterable {
        case notifications
        case home

        public var name: String { self == .home ? "Home" : "Notifications" }
    }

    /// The actions an endpoint takes (`action=`).
    public enum Action: String, Sendable {
        case channels, timeline, follow, unfollow, search, preview, mute, unmute, block, unblock
    }

    /// `{"channels": [...]}`, notifications first as the specification asks.
    public static func channels(homeHasUnread: Bool) -> JSONValue {
        .object([
            "channels": .array(
                Channel.allCases.map { channel in
                    .object([
                        "uid": .string(channel.rawValue), "name": .string(channel.name),
                        "unread": .bool(channel == .home && homeHasUnread),
                    ])
                }
            )
        ])
    }

    /// A page of the timeline: its items, and the cursors to the pages
    /// around it (`after`: older, given when this page is full; `before`: newer).
    public static func timeline(_ items: [TimelineItem], isFull: Bool, hasNewer: Bool) -> JSONValue {
        var paging: [String: JSONValue] = [:]
        if isFull, let last = items.last { paging["after"] = .string(String(last.id)) }
        if hasNewer, let first = items.first { paging["before"] = .string(String(first.id)) }
        return .object(["items": .array(items.map(entry)), "paging": .object(paging)])
    }

    /// One timeline item as a jf2 entry, with the specification's `_id` and `_is_read`.
    public static func entry(_ item: TimelineItem) -> JSONValue {
        let entry = item.entry
        var object: [String: JSONValue] = [
            "type": .string("entry"), "_id": .string(String(item.id)), "_is_read": .bool(item.isRead), "uid": .string(entry.id),
            "published": .string(ISO8601DateFormatter().string(from: item.sortDate)),
        ]
        if let url = entry.url { object["url"] = .string(url.absoluteString) }
        if let title = entry.title { object["name"] = .string(title) }
        if let html = entry.contentHTML {
            object["content"] = .object(["html": .string(html), "text": .string(PostBuilder.stripTags(html))])
        }
        if let author = entry.author {
            var card: [String: JSONValue] = ["type": .string("card")]
            if let name = author.name { card["name"] = .string(name) }
            if let url = author.url { card["url"] = .string(url.absoluteString) }
            if let photo = author.photo { card["photo"] = .string(photo.absoluteString) }
            object["author"] = .object(card)
        }
        if !entry.photos.isEmpty { object["photo"] = .array(entry.photos.map { .string($0.absoluteString) }) }
        for kind in [TimelineEntry.Attachment.Kind.audio, .video] {
            let urls = entry.attachments.filter { $0.kind == kind }.map { JSONValue.string($0.url.absoluteString) }
            if !urls.isEmpty { object[kind.rawValue] = .array(urls) }
        }
        if let inReplyTo = entry.inReplyTo { object["in-reply-to"] = .array([.string(inReplyTo.absoluteString)]) }
        return .object(object)
    }

    /// A followed source as the specification's feed object.
    public static func feed(_ follow: Follow) -> JSONValue {
        var object: [String: JSONValue] = ["type": .string("feed"), "url": .string(follow.address)]
        if let title = follow.title { object["name"] = .string(title) }
        return .object(object)
    }
}
