import Foundation

/// Renders feeds from feed items. Pure: values in, text out.
public enum FeedRenderer {
    /// `/podcast.xml`: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces,
    /// episodes only. `artworkURL` is the show's square JPEG.
    public static func podcastRSS(
        show: ShowSettings,
        site: SiteInfo,
        artworkURL: String,
        items: [FeedItem],
        fragments: FeedFragments = FeedFragments()
    ) -> String {
        var xml = XMLWriter()
        xml.start(
            "rss",
            [
                ("version", "2.0"), ("xmlns:itunes", "http://www.itunes.com/dtds/podcast-1.0.dtd"),
                ("xmlns:podcast", "https://podcastindex.org/namespace/1.0"), ("xmlns:atom", "http://www.w3.org/2005/Atom"),
                ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
            ]
        )
        xml.start("channel")
        xml.element("atom:link", "", [("href", site.urls.podcastFeed), ("rel", "self"), ("type", "application/rss+xml")])
        xml.element("title", show.title)
        xml.element("link", show.website)
        xml.element("description", show.description)
        xml.element("language", show.language)
        xml.element("generator", "Microcast")
        xml.element("itunes:author", show.author)
        xml.element("itunes:summary", show.description)
        xml.element("itunes:image", "", [("href", artworkURL)])
        xml.start("image")
        xml.element("url", artworkURL)
        xml.element("title", show.title)
        xml.element("link", show.website)
        xml.end()
        if show.subcategory.isEmpty {
            xml.element("itunes:category", "", [("text", show.category)])
        } else {
            xml.start("itunes:category", [("text", show.category)])
            xml.element("itunes:category", "", [("text", show.subcategory)])
            xml.end()
        }
        xml.element("itunes:explicit", show.explicit ? "true" : "false")
        xml.element("itunes:type", show.type)
        if let movedTo = show.movedTo { xml.element("itunes:new-feed-url", movedTo) }
        xml.start("itunes:owner")
        xml.element("itunes:name", show.author)
        xml.element("itunes:email", show.email)
        xml.end()
        xml.element("podcast:guid", show.guid)
        xml.element("podcast:locked", show.locked ? "yes" : "no", show.email.isEmpty ? [] : [("owner", show.email)])
        xml.element("podcast:medium", "podcast")
        if !show.fundingURL.isEmpty { xml.element("podcast:funding", show.fundingText, [("url", show.fundingURL)]) }
        if let latest = items.first { xml.element("lastBuildDate", DateText.rfc2822(latest.updated ?? latest.published)) }
        let depth = xml.depth
        let episodes = items.filter { $0.isEpisode && $0.enclosure != nil }
        for piece in fragments.pieces(
            episodes,
            kind: .podcastRSS(showExplicit: show.explicit),
            render: { item in
                var writer = XMLWriter(fragmentAtDepth: depth)
                episode(item, show: show, into: &writer)
                return writer.fragment
            }
        ) {
            xml.append(fragment: piece)
        }
        return xml.finish()
    }

    /// One `<item>` of the podcast feed.
    static func episode(_ item: FeedItem, show: ShowSettings, into xml: inout XMLWriter) {
        guard let enclosure = item.enclosure else { return }
        xml.start("item")
        xml.element("title", item.title)
        xml.element("link", item.url)
        xml.element("guid", item.guid, [("isPermaLink", item.guidIsPermaLink ? "true" : "false")])
        xml.element("pubDate", DateText.rfc2822(item.published))
        xml.element("description", item.summary)
        xml.cdata("content:encoded", item.contentHTML)
        xml.element("enclosure", "", [("url", enclosure.url), ("length", String(enclosure.byteCount)), ("type", enclosure.mimeType)])
        if let duration = enclosure.duration { xml.element("itunes:duration", String(Int(duration.rounded()))) }
        xml.element("itunes:episodeType", item.episodeType)
        if let episode = item.episode { xml.element("itunes:episode", String(episode)) }
        if let season = item.season { xml.element("itunes:season", String(season)) }
        xml.element("itunes:explicit", (item.explicit ?? show.explicit) ? "true" : "false")
        if let image = item.image { xml.element("itunes:image", "", [("href", image)]) }
        if let chapters = item.chaptersURL {
            xml.element("podcast:chapters", "", [("url", chapters), ("type", PodcastChapters.mimeType)])
        }
        for transcript in item.transcripts {
            var attributes = [("url", transcript.url), ("type", transcript.mimeType)]
            if let language = transcript.language { attributes.append(("language", language)) }
            if transcript.isCaptions { attributes.append(("rel", "captions")) }
            xml.element("podcast:transcript", "", attributes)
        }
        for alternate in [enclosure] + item.alternates {
            var attributes = [("type", alternate.mimeType), ("length", String(alternate.byteCount))]
            if let rate = alternate.bitRate { attributes.append(("bitrate", String(rate))) }
            if alternate == enclosure { attributes.append(("default", "true")) }
            xml.start("podcast:alternateEnclosure", attributes)
            xml.element("podcast:source", "", [("uri", alternate.url)])
            xml.end()
        }
        xml.end()
    }

    /// `/feed.xml`: every post, RSS 2.0, with an enclosure where a post has one.
    public static func postsRSS(site: SiteInfo, items: [FeedItem], fragments: FeedFragments = FeedFragments()) -> String {
        var xml = XMLWriter()
        xml.start(
            "rss",
            [
                ("version", "2.0"), ("xmlns:atom", "http://www.w3.org/2005/Atom"), ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
                ("xmlns:media", "http://search.yahoo.com/mrss/"),
            ]
        )
        xml.start("channel")
        xml.element("atom:link", "", [("href", site.urls.postsFeed), ("rel", "self"), ("type", "application/rss+xml")])
        xml.element("title", site.title)
        xml.element("link", site.urls.home)
        xml.element("description", "Posts from \(site.title)")
        let depth = xml.depth
        for piece in fragments.pieces(
            items,
            kind: .postsRSS,
            render: { item in
                var writer = XMLWriter(fragmentAtDepth: depth)
                postItem(item, into: &writer)
                return writer.fragment
            }
        ) {
            xml.append(fragment: piece)
        }
        return xml.finish()
    }

    /// One `<item>` of the posts feed.
    static func postItem(_ item: FeedItem, into xml: inout XMLWriter) {
        xml.start("item")
        if item.hasOwnTitle { xml.element("title", item.title) }
        xml.element("link", item.url)
        xml.element("guid", item.guid, [("isPermaLink", item.guidIsPermaLink ? "true" : "false")])
        xml.element("pubDate", DateText.rfc2822(item.published))
        let html = item.readerHTML
        xml.element("description", html)
        xml.cdata("content:encoded", html)
        for tag in item.tags { xml.element("category", tag) }
        if let enclosure = item.enclosure {
            xml.element("enclosure", "", [("url", enclosure.url), ("length", String(enclosure.byteCount)), ("type", enclosure.mimeType)])
        }
        // Media RSS, which Feedly and Inoreader read for pictures.
        for picture in item.pictures where picture.link == nil {
            var attributes = [("url", picture.url), ("medium", "image")]
            if !picture.mimeType.isEmpty { attributes.append(("type", picture.mimeType)) }
            if picture.width > 0 && picture.height > 0 {
                attributes += [("width", String(picture.width)), ("height", String(picture.height))]
            }
            xml.start("media:content", attributes)
            if !picture.alt.isEmpty { xml.element("media:description", picture.alt, [("type", "plain")]) }
            xml.end()
        }
        xml.end()
    }

    /// JSON Feed 1.1 (`application/feed+json`); `podcast` keeps episodes only.
    public static func jsonFeed(site: SiteInfo, show: ShowSettings?, feedURL: String, artworkURL: String?, items: [FeedItem]) -> Data {
        var feed: [String: JSONValue] = [
            "version": .string("https://jsonfeed.org/version/1.1"),
            "title": .string(show?.title ?? site.title),
            "home_page_url": .string(site.urls.home),
            "feed_url": .string(feedURL),
            "language": .string(show?.language ?? "en"),
            "authors": .array([.object(["name": .string(show?.author ?? site.authorName)])]),
        ]
        if let show { feed["description"] = .string(show.description) }
        if let artworkURL { feed["icon"] = .string(artworkURL) }
        feed["items"] = .array(
            items.filter { show == nil || $0.isEpisode }.map { item in
                var object: [String: JSONValue] = [
                    "id": .string(item.guid), "url": .string(item.url), "content_html": .string(show == nil ? item.readerHTML : item.contentHTML),
                    "date_published": .string(DateText.iso8601(item.published)),
                ]
                if item.hasOwnTitle || show != nil { object["title"] = .string(item.title) }
                if !item.summary.isEmpty { object["summary"] = .string(item.summary) }
                if let updated = item.updated { object["date_modified"] = .string(DateText.iso8601(updated)) }
                if !item.tags.isEmpty { object["tags"] = .array(item.tags.map(JSONValue.string)) }
                if let image = item.image { object["image"] = .string(image) }
                let files = (item.enclosure.map { [$0] } ?? []) + item.alternates
                if !files.isEmpty {
                    object["attachments"] = .array(
                        files.map { file in
                            var attachment: [String: JSONValue] = [
                                "url": .string(file.url), "mime_type": .string(file.mimeType),
                                "size_in_bytes": .integer(file.byteCount),
                            ]
                            if let duration = file.duration { attachment["duration_in_seconds"] = .integer(Int64(duration.rounded())) }
                            return .object(attachment)
                        }
                            // After the recording, so an app that plays the first attachment plays it.
                            + item.transcripts.map { transcript in
                                .object([
                                    "url": .string(transcript.url), "mime_type": .string(transcript.mimeType),
                                    "title": .string(transcript.isCaptions ? "Captions" : "Transcript"),
                                ])
                            }
                    )
                }
                return .object(object)
            }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(JSONValue.object(feed))) ?? Data()
    }
}
