import Foundation
import Testing

@testable import MicrocastCore

/// Reading other hosts' feeds for import: pure, no network.
@Suite("Podcast feed reading")
struct PodcastFeedReaderTests {
    static let feedURL = URL(string: "https://feeds.example.com/kitchen/rss")!

    static func read(_ xml: String) throws -> ImportedPodcast {
        try PodcastFeedReader(feedURL: feedURL).read(Data(xml.utf8))
    }

    static let namespaces =
        #"xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0" "#
        + #"xmlns:content="http://purl.org/rss/1.0/modules/content/""#

    @Test("itunes:duration as seconds, MM:SS and HH:MM:SS; anything else is no duration")
    func durations() {
        #expect(ITunesDuration.seconds("3725") == 3725)
        #expect(ITunesDuration.seconds("3725.5") == 3725.5)
        #expect(ITunesDuration.seconds("1:02:05") == 3725)
        #expect(ITunesDuration.seconds("62:05") == 3725)
        #expect(ITunesDuration.seconds("00:00:45") == 45)
        #expect(ITunesDuration.seconds(" 0:03 ") == 3)
        for bad in ["", "abc", "1:75", "1:2:3:4", "-5", "1.5:00", "::"] {
            #expect(ITunesDuration.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test("a Libsyn-style item: CDATA notes sanitised with relative links made absolute, the guid as written, the date in RFC 822")
    func libsynItem() throws {
        let podcast = try Self.read(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" \(Self.namespaces)><channel>
              <title>Kitchen Radio</title>
              <itunes:owner><itunes:name>Ada</itunes:name><itunes:email>ada@example.com</itunes:email></itunes:owner>
              <itunes:category text="Arts"><itunes:category text="Food"/></itunes:category>
              <itunes:explicit>clean</itunes:explicit>
              <item>
                <title>Bread</title>
                <guid isPermaLink="false"><![CDATA[ a1b2-c3 ]]></guid>
                <pubDate>Tue, 3 Jun 2025 09:00:00 -0400</pubDate>
                <link>https://kitchen.example.org/episodes/bread</link>
                <content:encoded><![CDATA[<p>See <a href="notes">notes</a>, <a href="javascript:alert(1)">this</a> and <img src="/i.png" onerror="x()"></p><script>alert(1)</script>]]></content:encoded>
                <enclosure url="https://traffic.libsyn.com/kitchen/bread.mp3?dest-id=1" length="0" type="audio/mpeg"/>
                <itunes:duration>00:59:30</itunes:duration>
                <itunes:episodeType>Bonus</itunes:episodeType>
              </item>
            </channel></rss>
            """
        )
        #expect(podcast.show.title == "Kitchen Radio")
        #expect(podcast.show.ownerEmail == "ada@example.com")
        #expect(podcast.show.categories == [.init(name: "Arts", subcategory: "Food")])
        #expect(podcast.show.explicit == false)
        #expect(podcast.show.locked == false)
        let episode = try #require(podcast.episodes.first)
        #expect(episode.guid == "a1b2-c3")
        #expect(episode.published == Date(timeIntervalSince1970: 1_748_955_600))
        #expect(episode.duration == 3570)
        #expect(episode.episodeType == "bonus")
        #expect(episode.enclosure?.length == nil, "a length of 0 is no length")
        #expect(episode.enclosure?.url.absoluteString == "https://traffic.libsyn.com/kitchen/bread.mp3?dest-id=1")
        #expect(episode.notesHTML.contains(#"<a href="https://kitchen.example.org/episodes/notes">notes</a>"#))
        #expect(episode.notesHTML.contains(#"<img src="https://kitchen.example.org/i.png">"#))
        #expect(!episode.notesHTML.contains("javascript") && !episode.notesHTML.contains("script") && !episode.notesHTML.contains("onerror"))
    }

    @Test("a Buzzsprout-style item: numbers, artwork, chapters and transcripts; an item without sound is skipped; oldest first")
    func buzzsproutItems() throws {
        let podcast = try Self.read(
            """
            <rss version="2.0" \(Self.namespaces)><channel>
              <title>Dairy</title>
              <podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>
              <podcast:funding url="https://example.org/support">Buy us milk</podcast:funding>
              <podcast:locked owner="ada@example.com">yes</podcast:locked>
              <itunes:new-feed-url>https://new.example.com/feed</itunes:new-feed-url>
              <item>
                <title>Butter</title><guid isPermaLink="false">Buzzsprout-2</guid>
                <pubDate>Wed, 04 Jun 2025 10:30:00 GMT</pubDate>
                <enclosure url="/files/butter.mp3" length="123" type="audio/mpeg"/>
                <itunes:season>1</itunes:season><itunes:episode>2</itunes:episode><itunes:explicit>yes</itunes:explicit>
                <itunes:image href="https://img.example.com/butter.jpg"/>
                <podcast:chapters url="https://example.com/butter.json" type="application/json+chapters"/>
                <podcast:transcript url="https://example.com/butter.vtt" type="text/vtt" language="en"/>
              </item>
              <item><title>Cover art only</title><enclosure url="https://example.com/a.jpg" type="image/jpeg"/></item>
              <item>
                <title>Milk</title><guid isPermaLink="false">Buzzsprout-1</guid>
                <pubDate>Tue, 03 Jun 2025 10:30:00 GMT</pubDate>
                <enclosure url="https://example.com/milk.mp3" type="audio/mpeg"/>
              </item>
              <item><title>No guid</title><enclosure url="https://example.com/noguid.m4a" type="audio/x-m4a"/></item>
            </channel></rss>
            """
        )
        #expect(podcast.episodes.map(\.guid) == ["https://example.com/noguid.m4a", "Buzzsprout-1", "Buzzsprout-2"])
        #expect(podcast.skipped.count == 1 && podcast.skipped[0].contains("Cover art only"))
        let butter = try #require(podcast.episodes.last)
        #expect(butter.season == 1 && butter.episode == 2 && butter.explicit == true)
        #expect(butter.enclosure?.url.absoluteString == "https://feeds.example.com/files/butter.mp3", "resolved against the feed")
        #expect(butter.artwork?.absoluteString == "https://img.example.com/butter.jpg")
        #expect(butter.chapters?.absoluteString == "https://example.com/butter.json")
        #expect(butter.transcripts == [.init(url: URL(string: "https://example.com/butter.vtt")!, mimeType: "text/vtt", language: "en")])
        #expect(podcast.show.guid == "917393e3-1b1e-5cef-ace4-edaa54e1f810")
        #expect(podcast.show.locked && podcast.show.lockOwner == "ada@example.com")
        #expect(podcast.show.fundingURL?.absoluteString == "https://example.org/support" && podcast.show.fundingText == "Buy us milk")
        #expect(podcast.show.newFeedURL?.absoluteString == "https://new.example.com/feed")
    }

    @Test("entity declarations (bombs, external entities), Atom, and broken XML are refused with a reason")
    func refusals() {
        let bomb = """
            <?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <rss version="2.0"><channel><title>&b;</title></channel></rss>
            """
        #expect(throws: PodcastFeedReader.Failure.unreadable("the document declares XML entities, which Microcast does not read")) {
            try Self.read(bomb)
        }
        let external =
            #"<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>"#
        #expect(throws: PodcastFeedReader.Failure.self) { try Self.read(external) }
        #expect(throws: PodcastFeedReader.Failure.notAPodcastFeed("feed")) {
            try Self.read(#"<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>"#)
        }
        #expect(throws: PodcastFeedReader.Failure.self) { try Self.read("<rss><channel><title>x</channel>") }
        #expect(throws: PodcastFeedReader.Failure.self) {
            try Self.read(String(repeating: "<a>", count: 200) + String(repeating: "</a>", count: 200))
        }
    }

    @Test("an imported episode's post keeps its guid as uid, its numbers and explicit flag; its files go where the feed put them")
    func episodeItem() throws {
        let episode = ImportedEpisode(
            guid: "Buzzsprout-2",
            title: "Butter",
            published: Date(timeIntervalSince1970: 1_748_955_600),
            link: URL(string: "https://old.example/butter"),
            notesHTML: "<p>Churn.</p>",
            season: 1,
            episode: 2,
            episodeType: "full",
            explicit: true,
            artwork: URL(string: "https://img.example/butter.jpg"),
            enclosure: .init(url: URL(string: "https://cdn.example/butter.mp3")!, length: nil, mimeType: "audio/mpeg"),
            chapters: nil,
            transcripts: [
                .init(url: URL(string: "https://cdn.example/butter.vtt")!, mimeType: "text/vtt", language: "en"),
                .init(url: URL(string: "https://cdn.example/butter.json")!, mimeType: "application/json", language: nil),
            ],
            duration: 3
        )
        let item = try #require(EpisodePost.item(episode))
        #expect(item.key == "podcast-episode:Buzzsprout-2")
        #expect(item.oldURLs.map(\.absoluteString) == ["https://old.example/butter"])
        let properties = item.create.properties
        #expect(properties["uid"] == [.string("Buzzsprout-2")])
        #expect(properties["episode"] == [.integer(2)] && properties["season"] == [.integer(1)])
        #expect(properties["published"] == [.string("2025-06-03T13:00:00Z")])
        #expect(properties["content"] == [.object(["html": .string("<p>Churn.</p>")])])
        #expect(properties["explicit"] == [.bool(true)])
        #expect(item.files.map(\.placement) == [.recording, .property("photo"), .property("transcript")], "the JSON transcript is not one we serve")
        #expect(item.files.filter(\.isRequired).map(\.role) == ["recording"])
        var without = episode
        without.enclosure = nil
        #expect(EpisodePost.item(without) == nil)
    }

    @Test("an imported post's content names our copies of its images, sized copies and escaped addresses included")
    func contentRewrite() {
        let create = MicropubCreate(properties: [
            "content": [
                .object([
                    "html": .string(
                        #"<img src="https://old.example/up/bread-1024x768.jpg"><a href="https://old.example/up/bread.jpg?a=1&amp;b=2">full</a>"#
                    )
                ])
            ]
        ])
        let rewritten = ImportedContent.rewrite(
            create,
            replacing: [("https://old.example/up/bread.jpg?a=1&b=2", "/media/x.jpg"), ("https://old.example/up/bread-1024x768.jpg", "/media/x.jpg")]
        )
        #expect(rewritten.properties["content"] == [.object(["html": .string(#"<img src="/media/x.jpg"><a href="/media/x.jpg">full</a>"#)])])
    }
}
