import Foundation
import MediaKit
import MediaModel
import TestSupport
import Testing

@Suite("Podcast episodes and feeds")
struct PodcastFeedTests {
    static let everything = "create update delete undelete media"

    /// Uploads speech in several formats and posts each as an episode; returns the post URLs.
    func publishEpisodes(_ site: TestSite, token: String) async throws -> [String] {
        let folder = try Fixtures.folder()
        let sources = [
            try await Fixtures.speech(in: folder, name: "mono.wav", seconds: 8),
            try await Fixtures.speech(in: folder, name: "stereo.wav", stereo: true, seconds: 8),
            try await Fixtures.speech(in: folder, name: "talk.ogg", seconds: 8),
            try await Fixtures.speech(in: folder, name: "talk.mp3", seconds: 8, title: "From the file"),
        ]
        var posts: [String] = []
        for (index, source) in sources.enumerated() {
            let audio = try site.created(try await site.upload(source, token: token))
            posts.append(
                try site.created(
                    try await site.postForm(
                        [
                            ("h", "entry"), ("name", "Episode \(index + 1) & friends"), ("content", "Show notes for <episode> \(index + 1)"),
                            ("audio", audio), ("episode", "\(index + 1)"), ("published", "2024-05-0\(index + 1)T10:00:00Z"),
                        ],
                        token: token
                    )
                )
            )
        }
        #expect(try await site.waitForJobs() == [.done, .done, .done, .done])
        return posts
    }

    @Test("podcastparser and feedparser read every episode with its title, exact length, type and duration", arguments: TestSite.Database.allCases)
    func podcastClientsReadTheFeed(database: TestSite.Database) async throws {
        try await TestSite.run(database: database) { site in
            let token = try await site.token(Self.everything)
            let posts = try await publishEpisodes(site, token: token)

            let feed = try await site.get("/podcast.xml")
            #expect(feed.status == .ok)
            #expect(feed.headers.first(name: "Content-Type") == "application/rss+xml; charset=utf-8")
            let read = try await Fixtures.podcastClients(feed: feed.body, url: site.base + "/podcast.xml")
            let parsed = try #require(read["podcastparser"] as? [String: Any])
            let episodes = try #require(parsed["episodes"] as? [[String: Any]])
            #expect(episodes.count == 4)
            #expect((parsed["cover_url"] as? String)?.hasPrefix(site.base + "/media/r/show-card.") == true)
            let other = try #require(read["feedparser"] as? [String: Any])
            #expect(other["bozo"] as? Bool == false, "\(other["bozo_exception"] ?? "")")
            #expect((other["entries"] as? [Any])?.count == 4)

            for (index, post) in posts.enumerated() {
                let episode = try #require(episodes.first { $0["guid"] as? String == post })
                #expect(episode["title"] as? String == "Episode \(index + 1) & friends")
                let enclosure = try #require((episode["enclosures"] as? [[String: Any]])?.first)
                #expect(enclosure["mime_type"] as? String == "audio/mpeg")
                let url = try #require(enclosure["url"] as? String)
                let head = try await site.request(url, method: .HEAD)
                #expect(head.headers.first(name: "Content-Length") == "\(enclosure["file_size"] as? Int ?? -1)")
                // The duration the feed gives agrees with the file the app downloads.
                let served = try await site.get(url)
                let file = try Fixtures.folder().appendingPathComponent("episode.mp3")
                try served.body.write(to: file)
                let duration = try #require(try await probed(file.path).duration)
                #expect(abs(Double(episode["total_time"] as? Int ?? 0) - duration) <= 0.5)
                let loudness = try await Fixtures.loudness(of: file)
                let target = index == 1 ? -16.0 : -19.0
                #expect(abs(loudness.integrated - target) <= 1, "episode \(index + 1): \(loudness.integrated) LUFS")
                #expect(loudness.truePeak <= -1.5)
            }

            // JSON Feed: the same episodes, with sizes and durations on the attachments.
            let json = try await site.get("/podcast.json")
            #expect(json.headers.first(name: "Content-Type") == "application/feed+json")
            let items = try #require(json.json["items"] as? [[String: Any]])
            #expect(json.json["version"] as? String == "https://jsonfeed.org/version/1.1")
            #expect(items.count == 4)
            let attachment = try #require((items.first?["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["mime_type"] as? String == "audio/mpeg")
            #expect((attachment["size_in_bytes"] as? Int ?? 0) > 0)
            #expect((attachment["duration_in_seconds"] as? Int ?? 0) >= 5)

            // The home page points readers at every feed.
            let rels =
                try await Fixtures.microformats(html: try await site.get("/").text, url: site.base + "/")["rel-urls"] as? [String: [String: Any]]
                ?? [:]
            for feed in ["/podcast.xml", "/podcast.json", "/feed.xml", "/feed.json"] {
                #expect((rels[site.base + feed]?["rels"] as? [String])?.contains("alternate") == true, "\(feed) not linked")
            }
        }
    }

    @Test("an episode with chapters gets a Podcasting 2.0 chapters file, ID3 chapters, the show's cover and a waveform")
    func chaptersCoverAndWaveform() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let folder = try Fixtures.folder()
            let source = try await Fixtures.chapteredSpeech(in: folder)
            let audio = try site.created(try await site.upload(source, token: token))
            _ = try site.created(try await site.postForm([("h", "entry"), ("name", "With chapters"), ("audio", audio)], token: token))
            #expect(try await site.waitForJobs() == [.done])

            let feed = try await site.get("/podcast.xml")
            let episode = try #require(
                ((try await Fixtures.podcastClients(feed: feed.body, url: site.base + "/podcast.xml")["podcastparser"] as? [String: Any])?["episodes"]
                    as? [[String: Any]])?.first
            )
            // podcastparser 0.6 knows the podcast namespace only by its old GitHub address, so
            // the link is read from the XML here; apps using the official namespace see it.
            let link = try #require(
                feed.text.range(of: #"<podcast:chapters url="[^"]+" type="application/json\+chapters"/>"#, options: .regularExpression)
            )
            let chaptersURL = String(feed.text[link].split(separator: "\"")[1])
            let chapters = try await site.get(chaptersURL).json
            #expect(chapters["version"] as? String == "1.2.0")
            #expect((chapters["chapters"] as? [[String: Any]])?.compactMap { $0["title"] as? String } == ["Hello", "Goodbye"])
            #expect((chapters["chapters"] as? [[String: Any]])?.last?["startTime"] as? Double == 6)

            let mp3URL = try #require((episode["enclosures"] as? [[String: Any]])?.first?["url"] as? String)
            let mp3 = folder.appendingPathComponent("episode.mp3")
            try (try await site.get(mp3URL)).body.write(to: mp3)
            let probe = try await probed(mp3.path)
            #expect(probe.hasCoverArt)
            #expect(probe.chapters.map(\.title) == ["Hello", "Goodbye"])
            #expect(probe.tags["album"] == "Microcast")

            let described = try await site.get("/micropub/media?q=source&url=\(audio)", headers: [("Authorization", "Bearer \(token)")])
            let waveformURL = try #require(
                (described.json["sizes"] as? [[String: Any]])?.compactMap { $0["url"] as? String }.first { $0.contains("-waveform.") }
            )
            let waveform = try await site.get(waveformURL).json
            #expect(waveform["sample_rate"] as? Int == 8000)
            #expect(((waveform["data"] as? [Int])?.count ?? 0) > 1000)
        }
    }

    @Test("an uploaded WebVTT or SubRip transcript and a chapters file are linked from the episode's feed item")
    func transcriptsAndChapterFiles() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let folder = try Fixtures.folder()
            let vtt = folder.appendingPathComponent("episode.vtt")
            try Data("WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nWelcome to the show.\n".utf8).write(to: vtt)
            let srt = folder.appendingPathComponent("episode.srt")
            try Data("1\n00:00:00,000 --> 00:00:04,000\nWelcome to the show.\n".utf8).write(to: srt)
            let chapters = folder.appendingPathComponent("chapters.json")
            try Data(#"{"version":"1.2.0","chapters":[{"startTime":0,"title":"Start"},{"startTime":3,"title":"Later"}]}"#.utf8).write(to: chapters)
            let bad = folder.appendingPathComponent("bad.json")
            try Data(#"{"version":"1.2.0","chapters":"none"}"#.utf8).write(to: bad)

            let vttURL = try site.created(try await site.upload(vtt, token: token))
            let srtURL = try site.created(try await site.upload(srt, token: token))
            let chaptersURL = try site.created(try await site.upload(chapters, token: token))
            #expect(try await site.upload(bad, token: token).status == .unprocessableEntity)
            #expect(try await site.get(vttURL).headers.first(name: "Content-Type") == "text/vtt")
            #expect(try await site.get(srtURL).headers.first(name: "Content-Type") == "application/x-subrip")

            let audio = try site.created(try await site.upload(try await Fixtures.speech(in: folder, name: "talk.wav", seconds: 6), token: token))
            _ = try site.created(
                try await site.postForm(
                    [
                        ("h", "entry"), ("name", "Transcribed"), ("audio", audio), ("transcript[]", vttURL), ("transcript[]", srtURL),
                        ("chapters", chaptersURL),
                    ],
                    token: token
                )
            )
            _ = try await site.waitForJobs()
            let feed = try await site.get("/podcast.xml").text
            // Timed files are captions, whoever made them.
            #expect(feed.contains("<podcast:transcript url=\"\(vttURL)\" type=\"text/vtt\" rel=\"captions\"/>"))
            #expect(feed.contains("<podcast:transcript url=\"\(srtURL)\" type=\"application/x-subrip\" rel=\"captions\"/>"))
            #expect(feed.contains("<podcast:chapters url=\"\(chaptersURL)\" type=\"application/json+chapters\"/>"))
            // An upload a post uses cannot be deleted from under it.
            let delete = try await site.request(
                "/micropub/media",
                method: .POST,
                headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/x-www-form-urlencoded")],
                body: Data("action=delete&url=\(vttURL)".utf8)
            )
            #expect(delete.status == .badRequest)
        }
    }

    @Test("gPodder subscribes on loopback, updates and downloads an episode byte for byte")
    func gpodderDownloads() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let folder = try Fixtures.folder()
            let audio = try site.created(try await site.upload(try await Fixtures.speech(in: folder, name: "show.wav", seconds: 6), token: token))
            _ = try site.created(try await site.postForm([("h", "entry"), ("name", "Pilot"), ("audio", audio)], token: token))
            _ = try await site.waitForJobs()

            let home = folder.appendingPathComponent("gpodder-home")
            let downloads = folder.appendingPathComponent("downloads")
            try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
            let environment = "GPODDER_HOME='\(home.path)' GPODDER_DOWNLOAD_DIR='\(downloads.path)'"
            for command in ["subscribe \(site.base)/podcast.xml", "update", "download"] {
                try await Fixtures.runOffPool("sh", ["-c", "\(environment) gpo \(command) </dev/null"])
            }
            let saved = try #require(
                FileManager.default.enumerator(at: downloads, includingPropertiesForKeys: nil)?
                    .compactMap { $0 as? URL }.first { $0.pathExtension == "mp3" }
            )
            let feed = try await site.get("/podcast.xml").text
            let enclosure = try #require(feed.range(of: #"<enclosure url="([^"]+)""#, options: .regularExpression).map { String(feed[$0]) })
            let url = String(enclosure.dropFirst(#"<enclosure url=""#.count).dropLast())
            #expect(try Data(contentsOf: saved) == (try await site.get(url).body))
        }
    }

    @Test("feeds answer 304 to a conditional GET, HEAD without a body, and change when a post does", arguments: TestSite.Database.allCases)
    func feedCaching(database: TestSite.Database) async throws {
        try await TestSite.run(database: database) { site in
            let token = try await site.token(Self.everything)
            _ = try site.created(try await site.postForm([("h", "entry"), ("content", "First")], token: token))
            for path in ["/podcast.xml", "/podcast.json", "/feed.xml", "/feed.json"] {
                let first = try await site.get(path)
                #expect(first.status == .ok)
                let etag = try #require(first.headers.first(name: "ETag"))
                let again = try await site.get(path, headers: [("If-None-Match", etag)])
                #expect(again.status == .notModified)
                #expect(again.body.isEmpty)
                let since = try await site.get(path, headers: [("If-Modified-Since", try #require(first.headers.first(name: "Last-Modified")))])
                #expect(since.status == .notModified)
                let head = try await site.request(path, method: .HEAD)
                #expect(head.body.isEmpty && head.headers.first(name: "Content-Length") == "\(first.body.count)")
            }
            let before = try #require(try await site.get("/feed.xml").headers.first(name: "ETag"))
            _ = try site.created(try await site.postForm([("h", "entry"), ("content", "Second")], token: token))
            let after = try await site.get("/feed.xml")
            #expect(after.headers.first(name: "ETag") != before)
            #expect(after.text.contains("Second"))
        }
    }

    @Test("a zero-length audio stream fails its job with a reason the media endpoint shows; the server stays up")
    func emptyAudio() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let folder = try Fixtures.folder()
            let empty = folder.appendingPathComponent("empty.wav")
            try await Fixtures.runOffPool("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "0", empty.path])
            // The header is valid, so the upload is taken; processing finds nothing to encode.
            let url = try site.created(try await site.upload(empty, token: token))
            #expect(try await site.waitForJobs() == [.failed])
            let described = try await site.get("/micropub/media?q=source&url=\(url)", headers: [("Authorization", "Bearer \(token)")])
            #expect(described.json["state"] as? String == "failed")
            #expect(described.json["error"] as? String == "the audio stream is empty")
            #expect(try await site.get("/health").status == .ok)
            #expect(site.files(in: "renditions").filter { $0.hasSuffix(".tmp") || $0.hasSuffix(".mp3") }.isEmpty)
        }
    }
    @Test(
        "a failed episode stays out of the podcast feeds, its page says the audio is not available, q=source says why",
        arguments: TestSite.Database.allCases
    )
    func failedEpisode(database: TestSite.Database) async throws {
        try await TestSite.run(database: database) { site in
            let token = try await site.token(Self.everything)
            let silence = try Fixtures.folder().appendingPathComponent("silence.m4a")
            try await Fixtures.runOffPool(
                "ffmpeg",
                ["-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "5", "-c:a", "aac", silence.path]
            )
            let audio = try site.created(try await site.upload(silence, token: token))
            let permalink = try site.created(
                try await site.postForm([("h", "entry"), ("name", "The quiet one"), ("audio", audio)], token: token)
            )
            #expect(try await site.waitForJobs() == [.failed])

            let described = try await site.get("/micropub/media?q=source&url=\(audio)", headers: [("Authorization", "Bearer \(token)")])
            #expect(described.json["state"] as? String == "failed")
            #expect(described.json["error"] as? String == "the recording is silent")
            let clients = try await Fixtures.podcastClients(feed: try await site.get("/podcast.xml").body, url: site.base + "/podcast.xml")
            #expect(((clients["podcastparser"] as? [String: Any])?["episodes"] as? [Any])?.count == 0)
            #expect(((clients["feedparser"] as? [String: Any])?["entries"] as? [Any])?.isEmpty == true)
            #expect((try await site.get("/podcast.json").json["items"] as? [Any])?.isEmpty == true)
            // The post is still a post; no feed offers its unprocessed original.
            let posts = try #require(try await site.get("/feed.json").json["items"] as? [[String: Any]])
            #expect(posts.count == 1 && posts.first?["attachments"] == nil)
            #expect(!(try await site.get("/feed.xml").text.contains("<enclosure")))
            let page = try await site.get(permalink).text
            #expect(page.contains("The audio is not available yet."))
            #expect(!page.contains("<audio") && !page.contains(audio))
        }
    }
}
