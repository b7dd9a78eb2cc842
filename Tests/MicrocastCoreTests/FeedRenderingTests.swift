import Foundation
import MediaModel
import Testing

@testable import MicrocastCore

@Suite("Feed rendering")
struct FeedRenderingTests {
    @Test("podcast:guid is the UUIDv5 the Podcasting 2.0 specification gives for its example feed")
    func podcastGUID() {
        #expect(ShowSettings.podcastGUID(feedURL: "https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c")
        #expect(ShowSettings.podcastGUID(feedURL: "http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c")
    }

    @Test("XML text and attributes are escaped, and forbidden control characters dropped")
    func escaping() {
        var xml = XMLWriter()
        xml.start("channel")
        xml.element("title", "Tea & <Talk> \"quoted\" it's\u{1}")
        xml.element("enclosure", "", [("url", "https://a/b?x=1&y=2")])
        xml.cdata("content:encoded", "<p>a ]]> b</p>")
        let text = xml.finish()
        #expect(text.contains("<title>Tea &amp; &lt;Talk&gt; &quot;quoted&quot; it&apos;s</title>"))
        #expect(text.contains("<enclosure url=\"https://a/b?x=1&amp;y=2\"/>"))
        #expect(text.contains("<![CDATA[<p>a ]]]]><![CDATA[> b</p>]]>"))
        #expect(text.hasSuffix("</channel>\n"))
        #expect(HTML.escape("plain text") == "plain text")
        #expect(HTML.escape("a<b & 'c'") == "a&lt;b &amp; &#39;c&#39;")
    }

    @Test("RSS dates are RFC 2822 in UTC; page dates ISO 8601")
    func dates() {
        let date = Date(timeIntervalSince1970: 1_709_632_800)  // 2024-03-05 10:00:00 UTC, a Tuesday
        #expect(DateText.rfc2822(date) == "Tue, 05 Mar 2024 10:00:00 +0000")
        #expect(DateText.iso8601(date) == "2024-03-05T10:00:00Z")
        #expect(DateText.long(date) == "5 March 2024")
    }

    @Test("tags are stripped to text with white space folded")
    func stripTags() {
        #expect(PostBuilder.stripTags("<p>Hello <b>café</b>\n\n  world</p>") == "Hello café world")
    }

    @Test("an episode's feed item carries the MP3 first, the M4A as an alternate, and its exact sizes")
    func episodeItem() {
        let site = SiteInfo(title: "Show", authorName: "Host", urls: SiteURLs(base: "https://example.com"))
        let id = "abcdefghijklmnopqrst"
        let media = [
            id: MediaItem(
                id: id,
                kind: .audio,
                mimeType: "audio/wav",
                fileExtension: "wav",
                byteCount: 999,
                sha256: "0",
                probe: MediaProbe(kind: .audio, format: "wav", mimeType: "audio/wav"),
                state: .ready
            )
        ]
        let renditions = [
            id: RenditionSet([
                Rendition(
                    mediaId: id,
                    role: .audio("m4a"),
                    mimeType: "audio/mp4",
                    byteCount: 200,
                    fileName: "\(id)-m4a.aa.m4a",
                    duration: 61.6,
                    bitRate: 96000
                ),
                Rendition(
                    mediaId: id,
                    role: .audio("mp3"),
                    mimeType: "audio/mpeg",
                    byteCount: 300,
                    fileName: "\(id)-mp3.bb.mp3",
                    duration: 61.6,
                    bitRate: 128000
                ),
            ])
        ]
        let post = Post(
            slug: "one",
            properties: ["name": [.string("One")], "audio": [.string("https://example.com/media/\(id).wav")], "episode": [.string("3")]],
            published: Date(timeIntervalSince1970: 0)
        )
        let item = FeedItemBuilder(site: site).item(post, media: media, renditions: renditions)
        #expect(item.isEpisode && item.episode == 3)
        #expect(item.enclosure?.mimeType == "audio/mpeg" && item.enclosure?.byteCount == 300)
        #expect(item.alternates.map(\.mimeType) == ["audio/mp4"])
        let rss = FeedRenderer.podcastRSS(
            show: ShowSettings(stored: Settings(), site: site),
            site: site,
            artworkURL: "https://example.com/a.jpg",
            items: [item]
        )
        #expect(rss.contains("<enclosure url=\"https://example.com/media/r/\(id)-mp3.bb.mp3\" length=\"300\" type=\"audio/mpeg\"/>"))
        #expect(rss.contains("<itunes:duration>62</itunes:duration>"))
        #expect(rss.contains("<itunes:episode>3</itunes:episode>"))
        #expect(rss.contains("<podcast:alternateEnclosure type=\"audio/mp4\" length=\"200\" bitrate=\"96000\">"))

        var processing = media
        processing[id]?.state = .processing
        #expect(!FeedItemBuilder(site: site).item(post, media: processing, renditions: [:]).isEpisode, "not listed until encoded")
    }

    @Test("a feed rendered again reuses unchanged items' XML, renders changed ones, and reads as a fresh rendering")
    func fragmentsReused() {
        let site = SiteInfo(title: "Site", authorName: "Author", urls: SiteURLs(base: "https://example.com"))
        let builder = FeedItemBuilder(site: site)
        var posts = (0..<50).map { index in
            Post(slug: "note-\(index)", properties: ["content": [.string("Note \(index)")]], published: Date(timeIntervalSince1970: Double(index)))
        }
        let fragments = FeedFragments()
        let first = FeedRenderer.postsRSS(site: site, items: builder.items(posts, media: [:], renditions: [:]), fragments: fragments)
        #expect(first == FeedRenderer.postsRSS(site: site, items: builder.items(posts, media: [:], renditions: [:])))
        #expect(fragments.count == 50)

        // One new post and one edit: the result is what a fresh rendering gives.
        posts.insert(Post(slug: "new", properties: ["content": [.string("A new note")]], published: Date(timeIntervalSince1970: 100)), at: 0)
        posts[10].properties["content"] = [.string("An edited note & more")]
        let items = builder.items(posts, media: [:], renditions: [:])
        func rendering() -> [String] {
            var rendered: [String] = []
            _ = fragments.pieces(items, kind: .postsRSS) { item in
                rendered.append(item.guid)
                var writer = XMLWriter(fragmentAtDepth: 2)
                FeedRenderer.postItem(item, into: &writer)
                return writer.fragment
            }
            return rendered
        }
        // Only the two changed items are written again.
        #expect(rendering() == [items[0].guid, items[10].guid])
        let second = FeedRenderer.postsRSS(site: site, items: items, fragments: fragments)
        #expect(second == FeedRenderer.postsRSS(site: site, items: items))
        #expect(second.contains("A new note") && second.contains("An edited note &amp; more") && !second.contains(">Note 9<"))
        #expect(rendering().isEmpty)
        #expect(fragments.count == 51, "the edited item's old XML is gone")
    }
}
