import Crypto
import Foundation
import Hummingbird
import MediaKit
import MicrocastCore

/// The feeds: `/podcast.xml` (episodes, RSS with iTunes and Podcasting 2.0),
/// `/podcast.json` (episodes, JSON Feed 1.1), `/feed.xml` and `/feed.json`
/// (every post), and the show's artwork. Renderings are cached until the
/// store's content stamp changes, and served with a strong ETag, 304s and HEAD.
struct FeedController: Sendable {
    let posts: any PostRepository
    let media: any MediaRepository
    let settings: any SettingsRepository
    let site: SiteInfo
    let cache: FeedCache
    let artwork: ShowArtworkStore

    enum Feed: String, CaseIterable {
        case podcastRSS = "/podcast.xml", podcastJSON = "/podcast.json", postsRSS = "/feed.xml", postsJSON = "/feed.json"

        var contentType: String {
            switch self {
            case .podcastRSS, .postsRSS: "application/rss+xml; charset=utf-8"
            case .podcastJSON, .postsJSON: "application/feed+json"
            }
        }
    }

    func addRoutes<Context: RequestContext>(to router: some RouterMethods<Context>) {
        for feed in Feed.allCases {
            router.get(RouterPath(feed.rawValue)) { request, _ in try await serve(feed, request) }
            router.head(RouterPath(feed.rawValue)) { request, _ in try await serve(feed, request) }
        }
    }

    func serve(_ feed: Feed, _ request: Request) async throws -> Response {
        let stamp = try await posts.contentStamp()
        let rendered: FeedCache.Entry
        if let cached = await cache.entry(feed.rawValue, stamp: stamp) {
            rendered = cached
        } else {
            rendered = FeedCache.Entry(stamp: stamp, body: try await render(feed), modified: Date())
            await cache.store(feed.rawValue, rendered)
        }
        let validators = FileValidators(etag: rendered.etag, lastModified: rendered.modified)
        var headers: HTTPFields = [
            .contentType: feed.contentType, .eTag: validators.etag, .lastModified: HTTPDate.format(validators.lastModified),
            .cacheControl: "public, max-age=300",
        ]
        if validators.isNotModified(ifNoneMatch: request.headers[.ifNoneMatch], ifModifiedSince: request.headers[.ifModifiedSince]) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(rendered.body.count)
        let body = request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: rendered.body))
        return Response(status: .ok, headers: headers, body: body)
    }

    func render(_ feed: Feed) async throws -> Data {
        let show = ShowSettings(stored: try await settings.settings(), site: site)
        let list = try await posts.publishedPosts(limit: Int.max, offset: 0)
        let builder = FeedItemBuilder(site: site)
        let ids = Array(Set(list.flatMap(builder.presenter.mediaIds)))
        let items = try await media.media(ids: ids)
        let renditions = try await media.renditions(forMedia: ids)
        let feedItems = builder.items(list, media: items, renditions: renditions)
        switch feed {
        case .podcastRSS:
            let artwork = try await artworkURL(show)
            return Data(FeedRenderer.podcastRSS(show: show, site: site, artworkURL: artwork, items: feedItems).utf8)
        case .podcastJSON:
            let artwork = try await artworkURL(show)
            return FeedRenderer.jsonFeed(site: site, show: show, feedURL: site.urls.podcastJSONFeed, artworkURL: artwork, items: feedItems)
        case .postsRSS:
            return Data(FeedRenderer.postsRSS(site: site, items: feedItems).utf8)
        case .postsJSON:
            return FeedRenderer.jsonFeed(site: site, show: nil, feedURL: site.urls.postsJSONFeed, artworkURL: nil, items: feedItems)
        }
    }

    func artworkURL(_ show: ShowSettings) async throws -> String {
        site.urls.rendition(fileName: try await artwork.fileName(for: show))
    }
}

/// Rendered feeds, kept until the store's content stamp moves on.
actor FeedCache {
    struct Entry: Sendable {
        let stamp: String
        let body: Data
        let modified: Date
        /// Strong: a hash of the bytes, computed once per rendering.
        let etag: String

        init(stamp: String, body: Data, modified: Date) {
            self.stamp = stamp
            self.body = body
            self.modified = modified
            etag = "\"" + SHA256.hash(data: body).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        }
    }

    private var entries: [String: Entry] = [:]

    func entry(_ name: String, stamp: String) -> Entry? {
        guard let entry = entries[name], entry.stamp == stamp else { return nil }
        return entry
    }

    func store(_ name: String, _ entry: Entry) { entries[name] = entry }
}
