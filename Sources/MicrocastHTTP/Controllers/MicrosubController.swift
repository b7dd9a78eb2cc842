import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore

/// The Microsub endpoint (`/microsub`, advertised with `rel="microsub"`):
/// the studio's timeline for reader apps. Channels, the home timeline with
/// its read position, follow and unfollow, and feed search; a token's
/// scopes (`read`, `follow`, `channels`, `mute`, `block`) decide what it may do.
/// Errors are Micropub's JSON (`invalid_request`, `insufficient_scope`, …).
struct MicrosubController: Sendable {
    let store: any DataStore
    let following: Following
    let authenticator: Authenticator
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
            return JSONResponse.ok(Microsub.channels(homeHasUnread: try await homeHasUnread()))
        case .timeline?:
            try await allow([.read])
            return JSONResponse.ok(try await timeline(fields))
        case .follow?:
            try await allow([.read, .follow])
            let follows = try channel(fields) == .home ? try await store.follows() : []
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
            return try await markRead(fields)
        case .follow?:
            try await allow([.follow])
            return JSONResponse.ok(try await follow(fields))
        case .unfollow?:
            try await allow([.follow])
            guard try channel(fields) == .home, let url = fields.first("url") else {
                throw MicropubError(.invalidRequest, "name the url to unfollow")
            }
            guard try await following.unfollow(url) else { throw MicropubError(.invalidRequest, "\(url) is not followed") }
            return JSONResponse.ok(.object([:]))
        case .search?:
            try await allow([.follow, .read])
            return JSONResponse.ok(search(fields.first("query") ?? ""))
        case .channels?:
            try await allow([.channels])
            throw MicropubError(.invalidRequest, "this site's channels are home and notifications; channels cannot be added, renamed or removed yet")
        case .mute?, .unmute?, .block?, .unblock?:
            try await allow(fields.action == .mute || fields.action == .unmute ? [.mute] : [.block])
            throw MicropubError(.invalidRequest, "muting and blocking are not available yet")
        default:
            throw MicropubError(.invalidRequest, "POST takes action=timeline, follow, unfollow, search or channels")
        }
    }

    /// The channel a request names; the home timeline when it names none.
    func channel(_ fields: Fields) throws -> Microsub.Channel {
        guard let uid = fields.first("channel") else { return .home }
        guard let channel = Microsub.Channel(rawValue: uid) else { throw MicropubError(.invalidRequest, "unknown channel \"\(uid)\"") }
        return channel
    }

    func homeHasUnread() async throws -> Bool { try await store.timelineHasUnread() }

    func timeline(_ fields: Fields) async throws -> JSONValue {
        guard try channel(fields) == .home else { return Microsub.timeline([], isFull: false, hasNewer: false) }
        if let after = fields.first("after") {
            guard let cursor = Int64(after) else { throw MicropubError(.invalidRequest, "after is a cursor this endpoint gave") }
            let items = try await store.timeline(limit: Self.pageSize, before: cursor)
            return Microsub.timeline(items, isFull: items.count == Self.pageSize, hasNewer: true)
        }
        var items = try await store.timeline(limit: Self.pageSize, before: nil)
        // Newer than a cursor: the newest page, up to the cursor.
        if let before = fields.first("before").flatMap(Int64.init), let index = items.firstIndex(where: { $0.id == before }) {
            items = Array(items[..<index])
            return Microsub.timeline(items, isFull: false, hasNewer: false)
        }
        return Microsub.timeline(items, isFull: items.count == Self.pageSize, hasNewer: false)
    }

    /// `mark_read` of entries (`entry`, `entry[]`) or of everything up to one (`last_read_entry`), and `mark_unread`.
    func markRead(_ fields: Fields) async throws -> Response {
        let entries = fields.all("entry").compactMap(Int64.init)
        let upTo = fields.first("last_read_entry").flatMap(Int64.init)
        guard !entries.isEmpty || upTo != nil else { throw MicropubError(.invalidRequest, "name the entry (entry or last_read_entry)") }
        switch fields.first("method") {
        case "mark_read":
            if !entries.isEmpty { try await store.markTimeline(ids: entries, read: true) }
            if let upTo { try await store.markTimelineRead(through: upTo) }
        case "mark_unread":
            try await store.markTimeline(ids: entries, read: false)
        default: throw MicropubError(.invalidRequest, "POST action=timeline takes method=mark_read or mark_unread")
        }
        return JSONResponse.ok(.object(["result": .string("ok")]))
    }

    func follow(_ fields: Fields) async throws -> JSONValue {
        guard try channel(fields) == .home else { throw MicropubError(.invalidRequest, "follows go to the home channel") }
        guard let url = fields.first("url"), !url.isEmpty else { throw MicropubError(.invalidRequest, "name the url to follow") }
        do {
            return Microsub.feed(try await following.follow(url).follow)
        } catch let failure as Following.Failure {
            throw MicropubError(.invalidRequest, failure.description)
        } catch let failure as FeedFollower.Failure {
            throw MicropubError(.invalidRequest, "\(url) could not be followed: \(failure.description)")
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
