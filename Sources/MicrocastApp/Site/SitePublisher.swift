import Foundation
import MicrocastCore

/// One published URL's answer.
package struct PublishedPage: Sendable {
    package var status: Int
    package var contentType: String
    package var body: Data
    /// Where a redirect leads (the podcast feed of a show that moved).
    package var location: String? = nil

    package static func html(_ text: String, status: Int = 200) -> PublishedPage {
        PublishedPage(status: status, contentType: "text/html; charset=utf-8", body: Data(text.utf8))
    }
}

/// Everything the public site shows, by `SitePath`: pages, feeds, the
/// sitemap and the stylesheet. The server answers requests with it and
/// `microcast export` writes every path it lists to files, so both publish
/// the same bytes.
package struct SitePublisher: Sendable {
    package let posts: any PostRepository
    package let media: any MediaRepository
    package let settings: any SettingsRepository
    /// Responses shown under posts, and citations of the pages posts answer.
    package let conversations: any MentionRepository
    package let site: SiteDirectory
    package let renderer: SiteRenderer
    package let artwork: ShowArtworkStore
    package let library: MediaLibrary
    /// Transcripts' cues, and the site's search.
    package let search: any SearchRepository
    /// Each RSS item's XML as last rendered, reused by the next rendering when the item is unchanged.
    package let feedFragments = FeedFragments()
    package static let pageSize = 20
    /// The podcast page lists the latest episodes; the feed has them all.
    package static let podcastPageEpisodes = 50
    /// The photos grid shows the latest photos of this many posts.
    package static let photosPagePosts = 240

    /// The site's icon, which browsers ask for as `/favicon.ico`: the show's artwork.
    package func iconURL() async throws -> String {
        let site = try await self.site.info()
        let show = ShowSettings(stored: try await settings.settings(), site: site)
        return site.urls.rendition(fileName: try await artwork.fileName(for: show))
    }

    /// The answer for `path`, or nil when the site has nothing there.
    package func page(_ path: SitePath) async throws -> PublishedPage? {
        var site = try await self.site.info()
        let show = ShowSettings(stored: try await settings.settings(), site: site)
        site.authorPhotoURL = site.urls.rendition(fileName: try await artwork.fileName(for: show))
        switch path {
        case .home(let number): return try await timeline(tag: nil, number: number, site: site)
        case .tag(let tag, let number): return try await timeline(tag: tag, number: number, site: site)
        case .post(let slug): return try await permalink(slug, site: site)
        case .podcast: return try await podcast(site: site)
        case .photos: return try await photos(site: site)
        case .sitemap: return try await sitemap(site: site)
        case .openSearch: return openSearch(site: site)
        case .feed(.podcastRSS) where show.redirectsFeed:
            // The show has moved: apps follow a permanent redirect and keep the new address.
            return PublishedPage(status: 301, contentType: "text/plain; charset=utf-8", body: Data(), location: show.movedTo)
        case .feed(let feed): return PublishedPage(status: 200, contentType: feed.contentType, body: try await self.feed(feed, site: site))
        case .stylesheet(let fingerprint):
            guard fingerprint == renderer.stylesheetFingerprint else { return nil }
            return PublishedPage(status: 200, contentType: "text/css; charset=utf-8", body: renderer.stylesheet)
        }
    }

    package func notFound() async throws -> PublishedPage {
        .html(renderer.error(site: try await site.info(), status: 404, message: "There is nothing here."), status: 404)
    }

    /// Every path the public site has, for export.
    package func allPaths() async throws -> [SitePath] {
        let published = try await posts.publishedPosts(limit: Int.max, offset: 0)
        var paths: [SitePath] = [.home(page: 1), .podcast, .photos, .sitemap, .openSearch, .stylesheet(fingerprint: renderer.stylesheetFingerprint)]
        paths += SitePath.Feed.allCases.map(SitePath.feed)
        paths += (1..<Self.pages(published.count)).map { .home(page: $0 + 1) }
        paths += published.map { .post(slug: $0.slug) }
        for tag in try await posts.categories() {
            let count = try await posts.publishedCount(tagged: tag)
            paths += (0..<Self.pages(count)).map { .tag(tag, page: $0 + 1) }
        }
        return paths
    }

    /// Pages of `pageSize` for `count` posts; one even when there are none.
    package static func pages(_ count: Int) -> Int { max(1, (count + pageSize - 1) / pageSize) }

    // MARK: Pages

    package func timeline(tag: String?, number: Int, site: SiteInfo) async throws -> PublishedPage? {
        let size = Self.pageSize
        let offset = (number - 1) * size
        let list =
            if let tag {
                try await posts.publishedPosts(tagged: tag, limit: size + 1, offset: offset)
            } else {
                try await posts.publishedPosts(limit: size + 1, offset: offset)
            }
        // A tag nobody used, or a page past the end, is not a page.
        if tag != nil && list.isEmpty && number == 1 { return nil }
        guard number == 1 || !list.isEmpty else { return nil }
        let shown = Array(list.prefix(size))
        func url(_ number: Int) -> String { site.urls.url(tag.map { .tag($0, page: number) } ?? .home(page: number)) }
        let paging = PagingView(newerURL: number > 1 ? url(number - 1) : nil, olderURL: list.count > size ? url(number + 1) : nil)
        let heading = tag.map { "Posts tagged “\($0)”" } ?? site.title
        let title = number > 1 ? "\(heading) · page \(number)" : heading
        return .html(
            renderer.timeline(
                site: site,
                heading: heading,
                title: tag == nil ? title : "\(title) · \(site.title)",
                canonical: url(number),
                entries: try await entries(shown, site: site),
                paging: paging
            )
        )
    }

    package func permalink(_ slug: String, site: SiteInfo) async throws -> PublishedPage {
        guard let post = try await posts.post(slug: slug), post.status == .published else { return try await notFound() }
        if post.deletedAt != nil {
            return .html(renderer.error(site: site, status: 410, message: "This post was deleted."), status: 410)
        }
        var entry = try await entries([post], site: site, withTranscripts: true)[0]
        entry.isPermalink = true
        let shown = try await conversations.mentions(postSlug: slug, states: [.shown])
        entry.conversation = ConversationPresenter.conversation(shown, urls: site.urls)
        entry.hasConversation = !shown.isEmpty
        return .html(renderer.post(site: site, entry: entry, openGraph: try await openGraph(entry, post: post, site: site)))
    }

    package func podcast(site: SiteInfo) async throws -> PublishedPage {
        let show = ShowSettings(stored: try await settings.settings(), site: site)
        let artworkURL = site.urls.rendition(fileName: try await artwork.fileName(for: show))
        let episodes = try await posts.publishedPosts(kind: .audio, limit: Self.podcastPageEpisodes, offset: 0)
        let view = ShowPageView(
            title: show.title,
            description: show.description,
            author: show.author,
            artworkURL: artworkURL,
            links: ShowPageView.subscribeLinks(feedURL: site.urls.podcastFeed, jsonFeedURL: site.urls.podcastJSONFeed)
        )
        return .html(renderer.podcast(site: site, show: view, episodes: try await entries(episodes, site: site)))
    }

    package func photos(site: SiteInfo) async throws -> PublishedPage {
        let list = try await posts.publishedPosts(kind: .photo, limit: Self.photosPagePosts, offset: 0)
        let presenter = EntryPresenter(site: site)
        let ids = Array(Set(list.flatMap(presenter.mediaIds)))
        let items = try await media.media(ids: ids)
        let renditions = try await media.renditions(forMedia: ids)
        return .html(renderer.photos(site: site, grid: PhotoGrid.items(list, site: site, media: items, renditions: renditions)))
    }

    package func sitemap(site: SiteInfo) async throws -> PublishedPage {
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

    /// The OpenSearch description the home page's `<link rel="search">` names,
    /// so a browser can add the site's search.
    package func openSearch(site: SiteInfo) -> PublishedPage {
        var xml = XMLWriter()
        xml.start("OpenSearchDescription", [("xmlns", "http://a9.com/-/spec/opensearch/1.1/")])
        // ShortName is at most 16 characters, by the specification.
        xml.element("ShortName", String(site.title.prefix(16)))
        xml.element("Description", "Search \(site.title): posts, and what was said in episodes and videos")
        xml.element("InputEncoding", "UTF-8")
        xml.start("Url", [("type", "text/html"), ("method", "get"), ("template", site.urls.search + "?q={searchTerms}")])
        xml.end()
        xml.end()
        return PublishedPage(status: 200, contentType: "application/opensearchdescription+xml; charset=utf-8", body: Data(xml.finish().utf8))
    }

    /// The search page for what was typed (`/search?q=`): published posts
    /// found by their words or by what was said in them.
    package func searchPage(_ text: String) async throws -> PublishedPage {
        let site = try await self.site.info()
        var hits: [SearchHit]?
        if let query = SearchQuery(text) { hits = try await search.search(query) }
        let view = SearchPageView.make(text: text, hits: hits, action: site.urls.search) { site.urls.post(slug: $0.slug) }
        return .html(renderer.search(site: site, view: view))
    }

    // MARK: Feeds

    package func feed(_ feed: SitePath.Feed, site: SiteInfo) async throws -> Data {
        let stored = try await settings.settings()
        let show = ShowSettings(stored: stored, site: site)
        let list =
            feed.isPodcast
            ? try await posts.publishedPosts(kind: .audio, limit: Int.max, offset: 0)
            : try await posts.publishedPosts(limit: Int.max, offset: 0)
        let builder = FeedItemBuilder(site: site)
        let ids = Array(Set(list.flatMap(builder.presenter.mediaIds)))
        let items = try await media.media(ids: ids)
        let renditions = try await media.renditions(forMedia: ids)
        var feedItems = builder.items(list, media: items, renditions: renditions)
        if let prefix = StatsPrefix(settings: stored) { feedItems = prefix.apply(to: feedItems, site: site.urls) }
        switch feed {
        case .podcastRSS:
            let artwork = site.urls.rendition(fileName: try await artwork.fileName(for: show))
            return Data(FeedRenderer.podcastRSS(show: show, site: site, artworkURL: artwork, items: feedItems, fragments: feedFragments).utf8)
        case .podcastJSON:
            let artwork = site.urls.rendition(fileName: try await artwork.fileName(for: show))
            return FeedRenderer.jsonFeed(site: site, show: show, feedURL: site.urls.podcastJSONFeed, artworkURL: artwork, items: feedItems)
        case .postsRSS:
            return Data(FeedRenderer.postsRSS(site: site, items: feedItems, fragments: feedFragments).utf8)
        case .postsJSON:
            return FeedRenderer.jsonFeed(site: site, show: nil, feedURL: site.urls.postsJSONFeed, artworkURL: nil, items: feedItems)
        }
    }

    // MARK: Views

    /// Views for posts, with one store read for all of their media; a
    /// permalink's (`withTranscripts`) with its recording's transcript.
    package func entries(_ list: [Post], site: SiteInfo, withTranscripts: Bool = false) async throws -> [EntryView] {
        let presenter = EntryPresenter(site: site)
        let ids = Array(Set(list.flatMap(presenter.mediaIds)))
        let items = try await media.media(ids: ids)
        let renditions = try await media.renditions(forMedia: ids)
        let waveforms = await waveforms(renditions)
        let transcripts = withTranscripts ? try await search.transcripts(forMedia: ids).mapValues(\.cues) : [:]
        let counts = try await conversations.mentionCounts(postSlugs: list.map(\.slug))
        let cited = list.flatMap { post in
            OutgoingLinks.responseProperties.flatMap { (post.properties[$0] ?? []).compactMap(OutgoingLinks.responseURL) }
        }
        let citations = try await conversations.citations(urls: cited)
        return list.enumerated().map { index, post in
            var entry = presenter.entry(
                post,
                media: items,
                renditions: renditions,
                waveforms: waveforms,
                transcripts: transcripts,
                isFirst: index == 0
            )
            entry.responses = ConversationPresenter.responses(of: post, citations: citations)
            entry.responseCounts = ConversationPresenter.countsText(counts[post.slug] ?? [:])
            return entry
        }
    }

    /// Episodes' peaks, read from their waveform files (small JSON).
    package func waveforms(_ renditions: [String: RenditionSet]) async -> [String: [Int]] {
        struct Peaks: Decodable { var data: [Int] }
        var result: [String: [Int]] = [:]
        for (id, set) in renditions {
            // With a bucket, fetched once into this process's folder and read from there.
            guard let file = set.waveform,
                let local = try? await library.localFile(.rendition(file.fileName)),
                let data = try? Data(contentsOf: local),
                let peaks = try? JSONDecoder().decode(Peaks.self, from: data)
            else { continue }
            result[id] = peaks.data
        }
        return result
    }

    package func openGraph(_ entry: EntryView, post: Post, site: SiteInfo) async throws -> OpenGraphView {
        let show: ShowSettings? = entry.audios.isEmpty ? nil : ShowSettings(stored: try await settings.settings(), site: site)
        var artworkURL: String?
        if let show { artworkURL = site.urls.rendition(fileName: try await artwork.fileName(for: show)) }
        return OpenGraphView.make(entry, site: site, show: show, artworkURL: artworkURL)
    }
}
