import Foundation
import MicrocastCore
import TestSupport
import Testing

/// The studio in headless Chromium, driven through Selenium as the owner
/// would use it (`Tests/Browser/studio_flow.py`), and what then reaches the
/// site, the feeds and podcast apps.
@Suite("Studio in a browser")
struct StudioBrowserTests {
    @Test(
        "sign in; post an episode, three reordered photos with alt text and a video; watch them process; edit, delete, restore; retry; change the show; schedule; every page usable"
    )
    func ownerFlow() async throws {
        try await TestSite.run { site in
            try await site.store.setPassphraseHash(try PassphraseHasher.hash(OwnerSession.passphrase), now: Date())
            let folder = try Fixtures.folder()
            var photos: [String] = []
            for (index, colour) in ["red", "green", "blue"].enumerated() {
                let file = folder.appendingPathComponent(["first.jpg", "second.jpg", "third.jpg"][index])
                _ = try await Fixtures.runOffPool(
                    "ffmpeg",
                    ["-v", "error", "-f", "lavfi", "-i", "color=c=\(colour):s=800x600", "-frames:v", "1", "-y", file.path]
                )
                photos.append(file.path)
            }
            let silent = folder.appendingPathComponent("silence.wav")
            _ = try await Fixtures.runOffPool(
                "ffmpeg",
                ["-v", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "3", "-y", silent.path]
            )
            let artwork = folder.appendingPathComponent("cover.jpg")
            _ = try await Fixtures.runOffPool(
                "ffmpeg",
                ["-v", "error", "-f", "lavfi", "-i", "testsrc2=s=1600x1600", "-frames:v", "1", "-y", artwork.path]
            )
            let files: [String: Any] = [
                "episode": try await Fixtures.speech(in: folder, name: "episode-one.wav", seconds: 8).path, "photos": photos,
                "video": try await Fixtures.silentVideo(in: folder, name: "film.mp4").path, "silent": silent.path, "artwork": artwork.path,
            ]
            let screenshots = Repository.root.appendingPathComponent("test-artifacts/screenshots")
            let script = Repository.root.appendingPathComponent("Tests/Browser/studio_flow.py")
            let output = try await Fixtures.runOffPool(
                "python3",
                [
                    script.path, site.base, OwnerSession.passphrase,
                    String(decoding: try JSONSerialization.data(withJSONObject: files), as: UTF8.self),
                    screenshots.path,
                ]
            )
            let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
            #expect((report["errors"] as? [String])?.isEmpty == true, "\(report["errors"] ?? "")")

            // The episode: uploaded to 100 %, done without a reload, and in podcast apps with its title and MP3.
            let episode = try #require(report["episode"] as? [String: Any])
            #expect(episode["progressAtEnd"] as? Int == 100)
            #expect(episode["states"] as? [String] == ["done"])
            #expect(episode["reloaded"] as? Bool == false)
            let feed = try await site.get("/podcast.xml")
            let parsed = try #require(
                try await Fixtures.podcastClients(feed: feed.body, url: site.base + "/podcast.xml")["podcastparser"] as? [String: Any]
            )
            let item = try #require((parsed["episodes"] as? [[String: Any]])?.first { $0["title"] as? String == "Episode one" })
            let enclosure = try #require((item["enclosures"] as? [[String: Any]])?.first)
            #expect(enclosure["mime_type"] as? String == "audio/mpeg")
            let episodeURL = try #require(episode["url"] as? String)
            let episodePage = try await site.get(episodeURL).text
            #expect(episodePage.contains("Hello <strong>listeners</strong>"), "the show notes' Markdown is rendered")

            // The photos, in the order set in the composer, with their alt texts, on the home page.
            #expect((report["photos"] as? [String: Any])?["states"] as? [String] == ["done", "done", "done"])
            let home = try await Fixtures.microformats(html: try await site.get("/").text, url: site.base + "/")
            let hFeed = (home["items"] as? [[String: Any]])?.first { ($0["type"] as? [String]) == ["h-feed"] }
            let entries = hFeed?["children"] as? [[String: Any]] ?? []
            let photoEntry = try #require(
                entries.first { (($0["properties"] as? [String: Any])?["photo"] as? [Any])?.count == 3 }?["properties"] as? [String: Any]
            )
            let alts = (photoEntry["photo"] as? [Any] ?? []).compactMap { ($0 as? [String: Any])?["alt"] as? String }
            #expect(alts == ["First view", "Third view", "Second view"])

            // The video has its poster.
            #expect((report["video"] as? [String: Any])?["states"] as? [String] == ["done"])
            let videoURL = try #require((report["video"] as? [String: Any])?["url"] as? String)
            #expect(try await site.get(videoURL).text.contains("poster=\""))

            // The failed recording: its reason, shown live and on the media page; Retry queued it again.
            let failed = try #require(report["failed"] as? [String: Any])
            #expect(failed["states"] as? [String] == ["failed"])
            #expect((failed["reason"] as? String)?.contains("silent") == true, "\(failed)")
            #expect((failed["mediaPageReason"] as? String)?.contains("silent") == true)
            #expect(["queued", "processing", "failed"].contains(failed["afterRetry"] as? String ?? ""))
            #expect((failed["jobs"] as? String)?.components(separatedBy: "audio.episode").count == 3, "two jobs: \(failed["jobs"] ?? "")")

            // Edit, delete, restore.
            let note = try #require(report["note"] as? [String: Any])
            #expect((note["afterEdit"] as? String)?.contains("Edited <em>words</em>") == true)
            #expect(note["afterDelete"] as? Int == 410)
            #expect(note["afterRestore"] as? Int == 200)

            // The show's new title is the feed's.
            #expect(try await site.get("/podcast.xml").text.contains("<title>Browser Radio</title>"))

            // Artwork uploaded through the show's form (it was refused as "expired" before issue 25) is the feed's image.
            let artworkReport = try #require(report["artwork"] as? [String: Any])
            #expect(artworkReport["notice"] as? String == "Saved.")
            let before = try #require(artworkReport["before"] as? String)
            let after = try #require(artworkReport["after"] as? String)
            #expect(before != after && after.contains("show-artwork"), "\(before) → \(after)")
            #expect(artworkReport["shown"] as? String == after)
            let image = try await site.get(after)
            #expect(image.status == .ok && image.headers.first(name: "Content-Type") == "image/jpeg")
            let size = try await Fixtures.imageSize(image.body)
            #expect(size.width == size.height && size.width >= 1400, "\(size)")

            // The scheduled post appeared when its time came, not before.
            let scheduled = try #require(report["scheduled"] as? [String: Any])
            #expect(scheduled["before"] as? Bool == false)
            #expect(scheduled["after"] as? Bool == true)

            // Every page: no console errors, every control labelled, readable, no sideways scrolling at 360 px, light.
            let pages = try #require(report["pages"] as? [String: [String: Any]])
            #expect(Set(pages.keys) == ["compose", "posts", "media", "show", "apps", "fediverse", "edit"])
            for (name, page) in pages {
                #expect((page["consoleErrors"] as? [String])?.isEmpty == true, "\(name): \(page["consoleErrors"] ?? "")")
                #expect((page["unlabelled"] as? [String])?.isEmpty == true, "\(name): \(page["unlabelled"] ?? "")")
                #expect((page["lowestContrast"] as? Double ?? 0) >= 4.5, "\(name): contrast \(page["lowestContrast"] ?? "")")
                #expect((page["overflowAt360"] as? Int ?? 1) <= 0, "\(name) scrolls sideways at 360 px")
                for width in [1280, 360] {
                    #expect(FileManager.default.fileExists(atPath: screenshots.appendingPathComponent("studio-\(name)-\(width).png").path))
                }
            }

            // An expired session: signed in again, the composer still holds the unsent text.
            let expired = try #require(report["expired"] as? [String: Any])
            #expect(expired["content"] as? String == "Words I must not lose")
            #expect((expired["url"] as? String)?.hasSuffix("/studio/new") == true)
        }
    }
}

@Suite("Syndication in the studio, in a browser")
struct SyndicationBrowserTests {
    @Test("connect a Mastodon account through the server's OAuth sign-in (PKCE), then post from the composer with its box ticked")
    func connectAndPost() async throws {
        try await Syndicating.run { network in
            let site = network.site
            try await site.store.setPassphraseHash(try PassphraseHasher.hash(OwnerSession.passphrase), now: Date())
            let output = try await Fixtures.runOffPool(
                "python3",
                [
                    Repository.root.appendingPathComponent("Tests/Browser/syndication_flow.py").path, site.base, OwnerSession.passphrase,
                    network.mastodon.base, Repository.root.appendingPathComponent("test-artifacts/screenshots").path,
                ]
            )
            let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
            #expect((report["errors"] as? [String])?.isEmpty == true, "\(report["errors"] ?? "")")
            let authorize = try #require((report["authorizeURL"] as? String).flatMap(URLComponents.init(string:)))
            let query = Dictionary((authorize.queryItems ?? []).map { ($0.name, $0.value ?? "") }) { first, _ in first }
            #expect(query["code_challenge_method"] == "S256" && query["code_challenge"]?.isEmpty == false)
            #expect(query["scope"] == "read:accounts read:statuses write:media write:statuses")
            #expect(query["redirect_uri"] == site.base + "/studio/syndication/mastodon/callback")
            #expect((report["notice"] as? String)?.contains("Connected @owner@") == true)
            #expect((report["accounts"] as? [String])?.count == 1)
            let page = try #require(report["page"] as? [String: Any])
            #expect((page["unlabelled"] as? [String])?.isEmpty == true, "\(page["unlabelled"] ?? "")")
            #expect((page["consoleErrors"] as? [String])?.isEmpty == true, "\(page["consoleErrors"] ?? "")")
            #expect(report["ticked"] as? Bool == true)

            let permalink = try #require(report["posted"] as? String)
            let status = try await awaitValue("the composer's post on Mastodon") { try await network.statuses(linking: permalink).first }
            #expect((status["text"] as? String)?.hasPrefix("Hello from the composer") == true)
            let account = try #require(try await site.store.syndicationAccounts().first)
            guard case .mastodon(let credentials) = account.credentials else {
                Issue.record("not Mastodon")
                return
            }
            #expect(!credentials.clientSecret.isEmpty && !credentials.accessToken.isEmpty)
        }
    }
}
