import Foundation

/// The Microsub API's answers for this site's timeline, in the shapes the
/// specification gives (jf2 entries, `{"channels": …}`, `{"items": …,
/// "paging": …}`), so reader apps (Monocle, Indigenous, Together) read the
/// timeline the studio shows. Pure: the endpoint fetches, this shapes.
public enum Microsub {
    /// The actions an endpoint takes (`action=`).
    public enum Action: String, Sendable {
        case channels, timeline, follow, unfollow, search, preview, mute, unmute, block, unblock
    }

    /// `{"channels": [...]}`: notifications first, as the specification
    /// asks, then the owner's channels in their order, each with its unread count.
    public static func channels(_ channels: TimelineChannels, unread: [String: Int], notificationsUnread: Int) -> JSONValue {
        let notifications = TimelineChannel(uid: TimelineChannel.notifications, name: "Notifications")
        return .object([
            "channels": .array(
                ([(notifications, notificationsUnread)] + channels.list.map { ($0, unread[$0.uid] ?? 0) }).map { channel, count in
                    .object(["uid": .string(channel.uid), "name": .string(channel.name), "unread": .integer(Int64(count))])
                }
            )
        ])
    }

    /// A channel as the specification answers its creation or renaming.
    public static func channel(_ channel: TimelineChannel) -> JSONValue {
        .object(["uid": .string(channel.uid), "name": .string(channel.name)])
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
        guard case .object(var object) = entry(item.entry, published: item.sortDate) else { return .null }
        object["_id"] = .string(String(item.id))
        object["_is_read"] = .bool(item.isRead)
        return .object(object)
    }

    /// A feed's entries before it is followed (`action=preview`): newest first, without ids.
    public static func preview(_ entries: [TimelineEntry], now: Date) -> JSONValue {
        let dated = entries.map { ($0, TimelineItem.sortDate(of: $0, seen: now)) }.sorted { $0.1 > $1.1 }
        return .object(["items": .array(dated.map { entry($0.0, published: $0.1) })])
    }

    static func entry(_ entry: TimelineEntry, published: Date) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": .string("entry"), "uid": .string(entry.id), "published": .string(ISO8601DateFormatter().string(from: published)),
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

    /// A response the site received (a Webmention, or a reply, like or boost
    /// from another network) as a notification: a jf2 entry naming the post
    /// it answers; unread while it waits for the owner's approval.
    public static func notification(_ mention: Mention, urls: SiteURLs) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": .string("entry"), "_id": .string(mention.id), "_is_read": .bool(mention.state != .held),
            "url": .string(mention.url), "published": .string(ISO8601DateFormatter().string(from: mention.published ?? mention.receivedAt)),
        ]
        let property: String? =
            switch mention.kind {
            case .reply: "in-reply-to"
            case .like: "like-of"
            case .repost: "repost-of"
            case .bookmark: "bookmark-of"
            case .mention: nil
            }
        if let property { object[property] = .array([.string(mention.target)]) }
        if !mention.contentHTML.isEmpty {
            object["content"] = .object(["html": .string(mention.contentHTML), "text": .string(PostBuilder.stripTags(mention.contentHTML))])
        }
        var card: [String: JSONValue] = ["type": .string("card")]
        if !mention.author.name.isEmpty { card["name"] = .string(mention.author.name) }
        if !mention.author.url.isEmpty { card["url"] = .string(mention.author.url) }
        // Our copy of the photo: a reader app loading the sender's would tell them who reads.
        if !mention.author.photoFile.isEmpty { card["photo"] = .string(urls.rendition(fileName: mention.author.photoFile)) }
        object["author"] = .object(card)
        return .object(object)
    }

    /// A followed source as the specification's feed object.
    public static func feed(_ follow: Follow) -> JSONValue {
        var object: [String: JSONValue] = ["type": .string("feed"), "url": .string(follow.address)]
        if let title = follow.title { object["name"] = .string(title) }
        return .object(object)
    }
}
