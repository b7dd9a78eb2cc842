import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore

/// The Microsub endpoint (`/microsub`, advertised with `rel="microsub"`):
/// the studio's timeline for reader apps. The owner's channels (created,
/// renamed, ordered, deleted) with their sources and read state, the
/// site's responses as notifications, follow, unfollow, feed search and
/// preview; a token's
/// scopes (`read`, `follow`, `channels`, `mute`, `block`) decide what it may do.
/// Errors are Micropub's JSON (`invalid_request`, `insufficient_scope`, …).
struct MicrosubController: Sendable {
    let store: any DataStore
    let following: Following
    let channels: ChannelBook
    let authenticator: Authenticator
    let urls: SiteURLs
    static let pageSize = 20
    /// A Microsub form is a few fields: more is not a Microsub request.
    static let maxBodyBytes = 64 * 1024

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/microsub") { request, _ in try await get(request) }
        router.post("/microsub") { request, _ in try await post(request) }
    }

    /// A request's fields, from its query (GET) or its form (POST): names with
    /// `[]` are the same field, as PHP-style clients send lists.
    struct Fields {
        let pairs: [(name: String, value: String)]
        func first(_ name: String) -> String? { pairs.first { $0.name == name }?.value }
        func all(_ name: String) -> [String] { pairs.filter { $0.name == name || $0.name == name + "[]" }.map(\.value) }
        var action: Microsub.Action? { first("action").flatMap(Microsub.Action.init(rawValue:)) }
    }

    func get(_ request: Request) async throws -> Response {
        let fields = Fields(pairs: FormEncoding.decode(request.uri.query ?? ""))
        func allow(_ scopes: [Scope]) async throws {
            _ = try await authenticator.authorize(request, bodyToken: fields.first("access_token"), anyOf: scopes)
        }
        switch fields.action {
        case .channels?:
            try await allow([.read, .channels])
            return JSONResponse.ok(
                Microsub.channels(
                    try await channels.channels(),
                    unread: try await store.timelineUnreadCounts(),
                    notificationsUnread: try await notifications().count { $0.state == .held }
                )
            )
        case .timeline?:
            try await allow([.read])
            switch try await channel(fields) {
            case .notifications:
                return JSONResponse.ok(.object(["items": .array(try await notifications().map { Microsub.notification($0, urls: urls) })]))
            case .feeds(let uid):
                return JSONResponse.ok(try await timeline(fields, channel: uid))
            }
        case .follow?:
            try await allow([.read, .follow])
            guard case .feeds(let uid) = try await channel(fields) else { return JSONResponse.ok(.object(["items": .array([])])) }
            let follows = try await store.follows().filter { $0.channel == uid }
            return JSONResponse.ok(.object(["items": .array(follows.map(Microsub.feed))]))
        case .mute?, .block?:
            // Nobody is muted or blocked yet: the lists are empty, and say so.
            try await allow(fields.action == .mute ? [.mute, .read] : [.block, .read])
            return JSONResponse.ok(.object(["items": .array([])]))
        default:
            throw MicropubError(.invalidRequest, "GET takes action=channels, timeline, follow, mute or block")
        }
    }

    func post(_ request: Request) async throws -> Response {
        // A header's credential is checked before any of the body is read.
        if authenticator.hasHeaderCredential(request) { _ = try await authenticator.authorize(request, bodyToken: nil, anyOf: []) }
        guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
            throw MicropubError(.invalidRequest, "send the action as a form (application/x-www-form-urlencoded)")
        }
        let body = try await request.body.collect(upTo: Self.maxBodyBytes)
        let fields = Fields(pairs: FormEncoding.decode(String(buffer: body)))
        func allow(_ scopes: [Scope]) async throws {
            _ = try await authenticator.authorize(request, bodyToken: fields.first("access_token"), anyOf: scopes)
        }
        switch fields.action {
        case .timeline?:
            try await allow([.read])
            return try await changeTimeline(fields)
        case .follow?:
            try await allow([.follow])
            return JSONResponse.ok(try await follow(fields))
        case .unfollow?:
            try await allow([.follow])
            guard case .feeds = try await channel(fields), let url = fields.first("url") else {
                throw MicropubError(.invalidRequest, "name the url to unfollow")
            }
            guard try await following.unfollow(url) else { throw MicropubError(.invalidRequest, "\(url) is not followed") }
            return JSONResponse.ok(.object([:]))
        case .search?:
            try await allow([.follow, .read])
            return JSONResponse.ok(search(fields.first("query") ?? ""))
        case .preview?:
            try await allow([.follow, .read])
            return JSONResponse.ok(try await preview(fields))
        case .channels?:
            try await allow([.channels])
            return JSONResponse.ok(try await changeChannels(fields))
        case .mute?, .unmute?, .block?, .unblock?:
            try await allow(fields.action == .mute || fields.action == .unmute ? [.mute] : [.block])
            throw MicropubError(.invalidRequest, "muting and blocking are not available yet")
        default:
            throw MicropubError(.invalidRequest, "POST takes action=timeline, follow, unfollow, search, preview or channels")
        }
    }

    /// A channel a request names: the notifications, or one of the owner's
    /// channels of followed sources (`home` when it names none).
    enum ChannelChoice: Equatable {
        case notifications
        case feeds(String)
    }

    func channel(_ fields: Fields) async throws -> ChannelChoice {
        let uid = fields.first("channel") ?? TimelineChannel.home
        if uid == TimelineChannel.notifications { return .notifications }
        guard try await channels.channels().channel(uid) != nil else { throw MicropubError(.invalidRequest, "unknown channel \"\(uid)\"") }
        return .feeds(uid)
    }

    /// The responses shown in the notifications channel: those verified (held for approval, or shown), newest first.
    func notifications() async throws -> [Mention] {
        try await store.mentions(state: nil, limit: Self.notificationsShown).filter { $0.state == .held || $0.state == .shown }
    }

    static let notificationsShown = 50

    /// Creating (`name`), renaming (`channel` and `name`), deleting (`method=delete`) and ordering (`method=order`, `channels[]`).
    func changeChannels(_ fields: Fields) async throws -> JSONValue {
        do {
            switch (fields.first("method"), fields.first("channel"), fields.first("name")) {
            case ("delete", let uid?, _):
                try await channels.remove(uid)
                return .object(["deleted": .bool(true)])
            case ("order", _, _):
                try await channels.order(fields.all("channels"))
                return .object([:])
            case (nil, let uid?, let name?):
                return Microsub.channel(try await channels.rename(uid, to: name))
            case (nil, nil, let name?):
                return Microsub.channel(try await channels.create(name: name))
            default:
                throw MicropubError(
                    .invalidRequest,
                    "action=channels takes name (create), channel and name (rename), channel and method=delete, or method=order with channels[]"
                )
            }
        } catch let failure as TimelineChannels.Failure {
            throw MicropubError(.invalidRequest, failure.description)
        }
    }

    func timeline(_ fields: Fields, channel: String) async throws -> JSONValue {
        let page = TimelineQuery(limit: Self.pageSize, channel: channel)
        if let after = fields.first("after") {
            guard let cursor = Int64(after) else { throw MicropubError(.invalidRequest, "after is a cursor this endpoint gave") }
            var older = page
            older.before = cursor
            let items = try await store.timeline(older)
            return Microsub.timeline(items, isFull: items.count == Self.pageSize, hasNewer: true)
        }
        var items = try await store.timeline(page)
        // Newer than a cursor: the newest page, up to the cursor.
        if let before = fields.first("before").flatMap(Int64.init), let index = items.firstIndex(where: { $0.id == before }) {
            items = Array(items[..<index])
            return Microsub.timeline(items, isFull: false, hasNewer: false)
        }
        return Microsub.timeline(items, isFull: items.count == Self.pageSize, hasNewer: false)
    }

    /// `mark_read` of entries (`entry`, `entry[]`) or of everything up to one
    /// (`last_read_entry`), `mark_unread`, and `remove` (the entries leave the timeline for good).
    func changeTimeline(_ fields: Fields) async throws -> Response {
        guard case .feeds(let channel) = try await channel(fields) else {
            throw MicropubError(.invalidRequest, "a notification is read once the owner approves or refuses it in the studio")
        }
        let entries = fields.all("entry").compactMap(Int64.init)
        let upTo = fields.first("last_read_entry").flatMap(Int64.init)
        switch fields.first("method") {
        case "mark_read":
            guard !entries.isEmpty || upTo != nil else { throw MicropubError(.invalidRequest, "name the entry (entry or last_read_entry)") }
            if !entries.isEmpty { try await store.markTimeline(ids: entries, read: true) }
            if let upTo { try await store.markTimelineRead(through: upTo, channel: channel) }
        case "mark_unread":
            guard !entries.isEmpty else { throw MicropubError(.invalidRequest, "name the entry") }
            try await store.markTimeline(ids: entries, read: false)
        case "remove":
            guard !entries.isEmpty else { throw MicropubError(.invalidRequest, "name the entry") }
            try await store.removeFromTimeline(ids: entries)
        default: throw MicropubError(.invalidRequest, "POST action=timeline takes method=mark_read, mark_unread or remove")
        }
        return JSONResponse.ok(.object(["result": .string("ok")]))
    }

    /// Follows `url` into the channel named (an address already followed moves there).
    func follow(_ fields: Fields) async throws -> JSONValue {
        guard case .feeds(let channel) = try await channel(fields) else {
            throw MicropubError(.invalidRequest, "the notifications channel holds the site's responses; follow into another channel")
        }
        guard let url = fields.first("url"), !url.isEmpty else { throw MicropubError(.invalidRequest, "name the url to follow") }
        do {
            var follow = try await following.follow(url).follow
            if follow.channel != channel, try await store.setFollowChannel(address: follow.address, channel: channel) {
                follow.channel = channel
            }
            return Microsub.feed(follow)
        } catch let failure as Following.Failure {
            throw MicropubError(.invalidRequest, failure.description)
        } catch let failure as FeedFollower.Failure {
            throw MicropubError(.invalidRequest, "\(url) could not be followed: \(failure.description)")
        } catch let error as FetchError {
            throw MicropubError(.invalidRequest, "\(url) could not be read: \(error.description)")
        }
    }

    /// A feed's entries as they would arrive, without following it.
    func preview(_ fields: Fields) async throws -> JSONValue {
        guard let text = fields.first("url"), let url = try? Following.address(text) else {
            throw MicropubError(.invalidRequest, "name the url to preview")
        }
        do {
            return Microsub.preview(try await following.preview(url), now: Date())
        } catch let failure as FeedFollower.Failure {
            throw MicropubError(.invalidRequest, "\(url) could not be previewed: \(failure.description)")
        } catch let error as FetchError {
            throw MicropubError(.invalidRequest, "\(url) could not be read: \(error.description)")
        }
    }

    /// A search is for a feed to follow: the address typed, as follow takes it (its feed is found when it is followed).
    func search(_ query: String) -> JSONValue {
        guard let url = try? Following.address(query) else { return .object(["results": .array([])]) }
        return .object(["results": .array([.object(["type": .string("feed"), "url": .string(url.absoluteString)])])])
    }
}
