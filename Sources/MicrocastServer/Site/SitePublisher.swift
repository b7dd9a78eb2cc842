import Foundation
import MicrocastCore

/// One published URL's answer.
struct PublishedPage: Sendable {
    var status: Int
    var contentType: String
    var body: Data

    static func html(_ text: String, status: Int = 200) -> PublishedPage {
        PublishedPage(status: status, contentType: "text/html; charset=utf-8", body: Data(text.utf8))
    }
}

/// Everything the public site shows, by path: pages, feeds, the sitemap and
/// the stylesheet. The server answers requests with it and `microcast
/// export` writes every path it lists to files, so both publish the same bytes.
struct SitePublisher: Sendable {
    let posts: any PostRepository
    let media: any MediaRepository
    let settings: any SettingsRepository
    let site: SiteInfo
    let renderer: SiteRenderer
    let artwork: ShowArtworkStore
    let library: MediaLibrary
    static let pageSize = 20

    enum Feed: String, CaseIterable {
        case podcastRSS = "/podcast.xml", podcastJSON = "/podcast.json", postsRSS = "/feed.xml", postsJSON = "/feed.json"

        var contentType: String {
            switch self {
            case .podcastRSS, .postsRSS: "application/rss+xml; charset=utf-8"
            case .podcastJSON, .postsJSON: "application/feed+json"
            }
        }
    }

    var stylesheetPath: String { "/static/site.\(renderer.stylesheetFingerprint).css" }

    /// The answer for `path`, or nil when the site has nothing there.
    func page(_ path: String) async throws -> PublishedPage? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if let feed = Feed(rawValue: path) {
            return PublishedPage(status: 200, contentType: feed.contentType, body: try await self.feed(feed))
        }
        switch parts.count {
        case 0: return try await timeline(tag: nil, number: 1)
        case 1 where path == "/podcast": return try await podcast()
        case 1 where path == "/photos": return try await photos()
        case 1 where path == "/sitemap.xml": return try await sitemap()
        case 2 where path == stylesheetPath:
            return PublishedPage(status: 200, contentType: "text/css; charset=utf-8", body: renderer.stylesheet)
        case 2 where parts[0] == "page":
            guard let number = Int(parts[1]), number > 1 else { return nil }
            return try await timeline(tag: nil, number: number)
        case 2 where parts[0] == "posts": return try await permalink(parts[1])
        case 2 where parts[0] == "tags": return try await timeline(tag: parts[1].removingPercentEncoding ?? parts[1], number: 1)
        case 4 where parts[0] == "tags" && parts[2] == "page":
            guard let number = Int(parts[3]), number > 1 else { return nil }
            return try await timeline(tag: parts[1].removingPercentEncoding ?? parts[1], number: number)
        default: return nil
        }
    }

    func notFound() -> PublishedPage {
        .html(renderer.error(site: site, status: 404, message: "There is nothing here."), status: 404)
    }

    /// Every path the public site has, for export.
    func allPaths() async throws -> [String] {
        let published = try await posts.publishedPosts(limit: Int.max, offset: 0)
        let pages = max(1, (published.count + Self.pageSize - 1) / Self.pageSize)
        var paths = ["/", "/podcast", "/photos", "/sitemap.xml", stylesheetPath] + Feed.allCases.map(\.rawValue)
        paths += (1..<pages).map { "/page/\($0 + 1)" }
        paths += published.map { "/posts/\($0.slug)" }
        for tag in try await posts.categories() {
            let count = published.filter { $0.strings("category").contains(tag) }.count
            let tagPages = max(1, (count + Self.pageSize - 1) / Self.pageSize)
            let base = "/tags/" + SiteURLs.pathSegment(tag)
            paths.append(base)
            paths += (1..<tagPages).map { base + "/page/\($0 + 1)" }
        }
        return paths
    }

    // MARK: Pages

    func timeline(tag: String?, number: Int) async throws -> PublishedPage? {
        let size = Self.pageSize
        let list: [Post]
        if let tag {
            let all = try await posts.publishedPosts(limit: Int.max, offset: 0).filter { $0.strings("category").contains(tag) }
            list = Array(all.dropFirst((number - 1) * size).prefix(size + 1))
            if all.isEmpty { return nil }
        } else {
            list = try await posts.publishedPosts(limit: size + 1, offset: (number - 1) * size)
        }
        guard number == 1 || !list.isEmpty else { return nil }
        let shown = Array(list.prefix(size))
        func url(_ number: Int) -> String { tag.map { site.urls.tagPage($0, number) } ?? site.urls.homePage(number) }
        let paging = PagingView(newerURL: number > 1 ? url(number - 1) : nil, olderURL: list.count > size ? url(number + 1) : nil)
        let heading = tag.map { "Posts tagged “\($0)”" } ?? site.title
        let title = number > 1 ? "\(heading) · page \(number)" : heading
        return .html(
            renderer.timeline(
                site: site, heading: heading, title: tag == nil ? title : "\(title) · \(site.title)", canonical: url(number),
                entries: try await entries(shown), paging: paging))
    }

    func permalink(_ slug: String) async throws -> PublishedPage {
        guard let post = try await posts.post(slug: slug), post.status == .published else { return notFound() }
        if post.deletedAt != nil {
            return .html(renderer.error(site: site, status: 410, message: "This post was deleted."), status: 410)
        }
        var entry = try await entries([post])[0]
        entry.isPermalink = true
        return .html(renderer.post(site: site, entry: entry, openGraph: try await openGraph(entry, post: post)))
    }

    func podcast() async throws -> PublishedPage {
        let show = ShowSettings(stored: try await settings.settings(), site: site)
        let artworkURL = site.urls.rendition(fileName: try await artwork.fileName(for: show))
        let episodes = try await posts.publishedPosts(limit: Int.max, offset: 0).filter { $0.properties["audio"] != nil }.prefix(50)
        let view = ShowPageView(
            title: show.title, description: show.description, author: show.author, artworkURL: artworkURL,
            links: ShowPageView.subscribeLinks(feedURL: site.urls.podcastFeed, jsonFeedURL: site.urls.podcastJSONFeed))
        return .html(renderer.podcast(site: site, show: view, episodes: try await entries(Array(episodes))))
    }

    func photos() async throws -> PublishedPage {
        let list = try await posts.publishedPosts(limit: Int.max, offset: 0).filter { $0.properties["photo"] != nil }
        let presenter = EntryPresenter(site: site)
        let ids = Array(Set(list.flatMap(presenter.mediaIds)))
        let items = try await media.media(ids: ids)
        let renditions = try await media.renditions(forMedia: ids)
        var grid: [GridItemView] = []
        for post in list {
            for value in post.properties["photo"] ?? [] where grid.count < 240 {
                guard let url = value.urlValue, let id = site.urls.mediaId(fromURL: url), let item = items[id] else { continue }
                // The smallest JPEG that fills a grid cell on a dense screen.
                let jpegs = (renditions[id] ?? []).filter { $0.format == "jpeg" }
                // A photo not yet processed waits: its original may carry a location.
                guard let thumbnail = jpegs.first(where: { $0.width >= 320 }) ?? jpegs.last else { continue }
                grid.append(
                    GridItemView(
                        postURL: site.urls.post(slug: post.slug),
                        src: site.urls.rendition(fileName: thumbnail.fileName),
                        alt: value.objectValue?["alt"]?.stringValue ?? item.alt ?? "",
                        width: thumbnail.width, height: thumbnail.height,
                        placeholder: item.placeholder ?? "", loading: grid.count < 8 ? "eager" : "lazy"))
            }
        }
        return .html(renderer.photos(site: site, grid: grid))
    }

    func sitemap() async throws -> PublishedPage {
        let published = try await posts.publishedPosts(limit: Int.max, offset: 0)
        var urls: [(String, Date?)] = [(site.urls.home, published.first?.published), (site.urls.podcastPage, nil), (site.urls.photosPage, nil)]
        urls += published.map { (site.urls.post(slug: $0.slug), $0.updated ?? $0.published) }
        urls += try await posts.categories().map { (site.urls.tag($0), nil) }
        var xml = XMLWriter()
        xml.start("urlset", [("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9")])
        for (url, modified) in urls {
            xml.start("url")
            xml.element("loc", url)
            if let modified { xml.element("lastmod", DateText.iso8601(modified)) }
            xml.end()
        }
        xml.end()
        return PublishedPage(status: 200, contentType: "application/xml; charset=utf-8", body: Data(xml.finish().utf8))
    }

    // MARK: Feeds

    func feed(_ feed: Feed) async throws -> Data {
        let show = ShowSettings(stored: try await settings.settings(), site: site)
        let list = try await posts.publishedPosts(limit: Int.max, offset: 0)
        let builder = FeedItemBuilder(site: site)
        let ids = Array(Set(list.flatMap(builder.presenter.mediaIds)))
        let items = try await media.media(ids: ids)
        let renditions = try await media.renditions(forMedia: ids)
        let feedItems = builder.items(list, media: items, renditions: renditions)
        switch feed {
        case .podcastRSS:
            let artwork = site.urls.rendition(fileName: try await artwork.fileName(for: show))
            return Data(FeedRenderer.podcastRSS(show: show, site: site, artworkURL: artwork, items: feedItems).utf8)
        case .podcastJSON:
            let artwork = site.urls.rendition(fileName: try await artwork.fileName(for: show))
            return FeedRenderer.jsonFeed(site: site, show: show, feedURL: site.urls.podcastJSONFeed, artworkURL: artwork, items: feedItems)
        case .postsRSS:
            return Data(FeedRenderer.postsRSS(site: site, items: feedItems).utf8)
        case .postsJSON:
            return FeedRenderer.jsonFeed(site: site, show: nil, feedURL: site.urls.postsJSONFeed, artworkURL: nil, items: feedItems)
        }
    }

    // MARK: Views

    /// Views for posts, with one store read for all of their media.
    func entries(_ list: [Post]) async throws -> [EntryView] {
        let presenter = EntryPresenter(site: site)
        let ids = Array(Set(list.flatMap(presenter.mediaIds)))
        let items = try await media.media(ids: ids)
        let renditions = try await media.renditions(forMedia: ids)
        let waveforms = waveforms(renditions)
        return list.enumerated().map { index, post in
            presenter.entry(post, media: items, renditions: renditions, waveforms: waveforms, isFirst: index == 0)
        }
    }

    /// Episodes' peaks, read from their waveform files (small JSON).
    func waveforms(_ renditions: [String: [Rendition]]) -> [String: [Int]] {
        struct Peaks: Decodable { var data: [Int] }
        var result: [String: [Int]] = [:]
        for (id, list) in renditions {
            guard let file = list.first(where: { $0.format == "waveform" }),
                let data = try? Data(contentsOf: library.rendition(file.fileName)),
                let peaks = try? JSONDecoder().decode(Peaks.self, from: data)
            else { continue }
            result[id] = peaks.data
        }
        return result
    }

    func openGraph(_ entry: EntryView, post: Post) async throws -> OpenGraphView {
        let text = PostBuilder.stripTags(entry.contentHTML)
        let title = entry.hasName ? entry.name : (text.isEmpty ? site.title : String(text.prefix(70)))
        let description = entry.hasSummary ? entry.summary : String(text.prefix(200))
        let photo = entry.photos.first { !$0.isPending }
        var image = photo?.src ?? entry.videos.first.flatMap { $0.poster.isEmpty ? nil : $0.poster } ?? ""
        var imageAlt = photo?.alt ?? title
        // A failed job's page offers no file: its original was never made ready to publish.
        let audio = entry.audios.first { $0.isAvailable }, video = entry.videos.first { $0.isAvailable }
        if image.isEmpty && !entry.audios.isEmpty {
            let show = ShowSettings(stored: try await settings.settings(), site: site)
            image = site.urls.rendition(fileName: try await artwork.fileName(for: show))
            imageAlt = "\(show.title) artwork"
        }
        return OpenGraphView(
            type: "article", title: title, description: description, url: entry.url, image: image, imageAlt: imageAlt,
            audio: audio?.src ?? "", audioType: audio?.mimeType ?? "",
            video: video?.src ?? "", videoType: video?.mimeType ?? "",
            twitterCard: entry.photos.isEmpty && entry.videos.isEmpty ? "summary" : "summary_large_image")
    }
}
