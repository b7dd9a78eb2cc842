import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore
import NIOCore

/// The studio's reader: the sources the owner follows (follow, unfollow,
/// refresh, how long items are kept, OPML out), the timeline they fill, and
/// answers to its items published as the owner's posts. The same actions as
/// `microcast follow`, `unfollow` and `following`.
struct StudioFollowingController: Sendable {
    let pages: StudioPages
    let store: any DataStore
    let following: Following
    let answers: TimelineAnswers
    let pictures: TimelinePictures
    /// Wakes the server's poller after "refresh all" made every source due.
    let wakePoller: @Sendable () -> Void
    var base: String { pages.base }
    static let pageSize = 30

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.get("/studio/following") { request, _ in try await pages.page(request) { try await list($0, request: request) } }
        router.post("/studio/following") { request, _ in try await change(request) }
        router.get("/studio/following/opml") { request, _ in try await pages.page(request) { _ in try await opml() } }
        router.get("/studio/timeline") { request, _ in try await pages.page(request) { try await timeline($0, request: request) } }
        router.post("/studio/timeline") { request, _ in try await answer(request) }
        router.get("/studio/timeline/picture") { request, _ in
            // An image, not a page: without the owner's session it is refused, not answered with the sign-in page.
            guard try await pages.sessions.session(request) != nil else { throw StudioError.forbidden }
            return try await picture(request)
        }
    }

    // MARK: Following

    func list(_ signedIn: OwnerSessions.SignedIn, request: Request) async throws -> Response {
        var rows: [FollowingPageView.Row] = []
        for follow in try await store.follows() {
            let push = try await store.pushSubscription(followId: follow.id)
            rows.append(.init(follow, push: push, timelineURL: base + "/timeline?source=\(follow.id)"))
        }
        let view = FollowingPageView(
            rows: rows,
            action: base + "/following",
            csrf: signedIn.csrf,
            message: request.uri.queryParameters["done"].map(String.init) ?? "",
            retention: TimelineRetention(settings: try await store.settings()).stored,
            opmlURL: base + "/following/opml"
        )
        return pages.render("following", try await pages.frame("Following", section: .following, csrf: signedIn.csrf), view)
    }

    func change(_ request: Request) async throws -> Response {
        let fields = Dictionary(try await pages.ownerForm(request).map { ($0.name, $0.value) }) { first, _ in first }
        let address = fields["address"] ?? ""
        let done: String
        do {
            switch fields["do"] {
            case "follow":
                let (follow, entries) = try await following.follow(address)
                done = "Following \(follow.title ?? follow.address): \(entries) entries in the timeline."
            case "unfollow":
                done = try await following.unfollow(address) ? "Unfollowed \(address)." : "\(address) was not followed."
            case "refresh" where !address.isEmpty:
                let (polled, added) = try await following.refresh(address)
                done = polled == 0 ? "\(address) is not followed." : "Read \(address): \(added) new entries."
            case "refresh":
                let count = try await following.makeAllDue()
                wakePoller()
                done = "Reading \(count) sources now; new entries appear in the timeline as they come."
            case "retention":
                let retention = try TimelineRetention.parse(fields["days"] ?? "")
                try await store.setSettings([.timelineRetentionDays: retention.stored])
                let forgotten = try await following.forgetOld()
                done = "Items are kept \(retention.days.map { "\($0) days" } ?? "for ever"); \(forgotten) older ones forgotten."
            default: throw StudioError.badRequest("follow, unfollow, refresh or keep")
            }
        } catch let failure as Following.Failure {
            done = failure.description
        } catch let failure as FeedFollower.Failure {
            done = "\(address) could not be followed: \(failure.description)"
        } catch let failure as TimelineRetention.Refusal {
            done = failure.description
        } catch let error as FetchError {
            done = "\(address) could not be read: \(error.description)"
        }
        return OwnerPage.redirect(to: base + "/following?done=" + Self.queryValue(done))
    }

    func opml() async throws -> Response {
        let document = try await Following.exportOPML(from: store, title: try await pages.site.info().title)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/x-opml; charset=utf-8", .contentDisposition: "attachment; filename=\"following.opml\"", .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: document))
        )
    }

    // MARK: Timeline

    func timeline(_ signedIn: OwnerSessions.SignedIn, request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let followId = parameters["source"].flatMap { Int64(String($0)) }
        let kind = parameters["kind"].flatMap { TimelineKind(rawValue: String($0)) }
        let before = parameters["before"].flatMap { Int64(String($0)) }
        let query = TimelineQuery(limit: Self.pageSize, before: before, followId: followId, kind: kind)
        let items = try await store.timeline(query)
        let follows = try await store.follows()
        let names = Dictionary(follows.map { ($0.id, $0.title ?? $0.address) }) { first, _ in first }
        // What a page shows is read from now on (shown once as new).
        let unread = items.filter { !$0.isRead }.map(\.id)
        if !unread.isEmpty { try await store.markTimeline(ids: unread, read: true) }
        let view = TimelinePageView(
            items: items.map { item in
                TimelinePageView.Item(item, source: names[item.followId] ?? "", picture: pictureURL)
            },
            sources: [.init(value: "", label: "All sources", isChosen: followId == nil)]
                + follows.map { .init(value: String($0.id), label: $0.title ?? $0.address, isChosen: $0.id == followId) },
            kinds: [.init(value: "", label: "Everything", isChosen: kind == nil)]
                + TimelineKind.allCases.map { .init(value: $0.rawValue, label: Self.label(of: $0), isChosen: $0 == kind) },
            respondAction: base + "/timeline",
            csrf: signedIn.csrf,
            olderURL: items.count < Self.pageSize ? "" : olderURL(from: items.last?.id, followId: followId, kind: kind),
            message: parameters["done"].map(String.init) ?? "",
            followingURL: base + "/following"
        )
        // Followed podcasts and videos play from their own sites.
        return pages.render("timeline", try await pages.frame("Timeline", section: .timeline, csrf: signedIn.csrf), view, playsFromAnywhere: true)
    }

    func answer(_ request: Request) async throws -> Response {
        let fields = Dictionary(try await pages.ownerForm(request).map { ($0.name, $0.value) }) { first, _ in first }
        guard let response = fields["do"].flatMap(TimelineResponse.init(rawValue:)), let itemId = fields["item"].flatMap(Int64.init) else {
            throw StudioError.badRequest("reply, like, repost or bookmark an item")
        }
        let done: String
        do {
            let post = try await answers.answer(response, itemId: itemId, text: fields["text"] ?? "")
            done = "\(Self.pastTense(response)): \(pages.urls.post(slug: post.slug))"
        } catch let failure as TimelineAnswers.Failure {
            done = failure.description
        }
        return OwnerPage.redirect(to: base + "/timeline?done=" + Self.queryValue(done) + "#item-\(itemId)")
    }

    /// A picture of the timeline's, fetched through the safe fetcher for the owner's browser.
    func picture(_ request: Request) async throws -> Response {
        guard let address = request.uri.queryParameters["url"].map(String.init), let url = URL(string: address) else {
            throw StudioError.badRequest("name the picture")
        }
        let picture: TimelinePictures.Picture
        do {
            picture = try await pictures.fetch(url)
        } catch {
            return Response(status: .notFound, headers: [.cacheControl: "private, max-age=300"])
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: picture.type, .cacheControl: "private, max-age=86400", .contentSecurityPolicy: "default-src 'none'; sandbox",
                .xContentTypeOptions: "nosniff", .contentLength: String(picture.bytes.readableBytes),
            ],
            body: .init(byteBuffer: picture.bytes)
        )
    }

    func pictureURL(_ url: URL) -> String { base + "/timeline/picture?url=" + Self.queryValue(url.absoluteString) }

    func olderURL(from last: Int64?, followId: Int64?, kind: TimelineKind?) -> String {
        guard let last else { return "" }
        var query = ["before=\(last)"]
        if let followId { query.append("source=\(followId)") }
        if let kind { query.append("kind=\(kind.rawValue)") }
        return base + "/timeline?" + query.joined(separator: "&")
    }

    static func label(of kind: TimelineKind) -> String {
        switch kind {
        case .text: "Notes and articles"
        case .photo: "Photos"
        case .audio: "Audio and podcasts"
        case .video: "Video"
        }
    }

    static func pastTense(_ response: TimelineResponse) -> String {
        switch response {
        case .reply: "Replied"
        case .like: "Liked"
        case .repost: "Reposted"
        case .bookmark: "Bookmarked"
        }
    }

    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}
