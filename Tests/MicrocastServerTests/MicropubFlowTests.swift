import Foundation
import TestSupport
import Testing

@Suite("Micropub flows real clients use")
struct MicropubFlowTests {
    static let everything = "create update delete undelete media"

    @Test(
        "micro.blog style: upload audio then post name, content and audio; a video; two photos with mp-photo-alt[]",
        arguments: TestSite.Database.allCases
    )
    func microBlogFlows(database: TestSite.Database) async throws {
        try await TestSite.run(database: database) { site in
            let token = try await site.token(Self.everything)
            let folder = try Fixtures.folder()

            let audio = try site.created(try await site.upload(try await Fixtures.tone(in: folder, name: "audio.mp3", seconds: 2), token: token))
            let episode = try site.created(
                try await site.postForm(
                    [("h", "entry"), ("name", "Episode 1"), ("content", "Our first show"), ("audio", audio), ("summary", "A first try")],
                    token: token
                )
            )
            #expect(try await site.waitForJobs() == [.done])
            let episodePage = try await site.pageEntry(episode)
            #expect(episodePage["name"] as? [String] == ["Episode 1"])
            // The player gets the loudness-normalised MP3 made from the upload.
            let played = try #require((episodePage["audio"] as? [String])?.first)
            #expect(played.hasPrefix(site.base + "/media/r/") && played.hasSuffix(".mp3"))
            #expect(episodePage["summary"] as? [String] == ["A first try"])
            #expect(try await site.get(episode).text.contains("<audio class=\"u-audio\" controls"))

            let video = try site.created(try await site.upload(try await Fixtures.rotatedVideo(in: folder), token: token))
            #expect(try await site.get(video).headers.first(name: "Content-Type") == "video/mp4")
            let clip = try site.created(try await site.postForm([("h", "entry"), ("content", "A clip"), ("video", video)], token: token))
            // Once transcoded, the page plays the web MP4 made from the upload.
            #expect(try await site.waitForJobs() == [.done, .done])
            let playedVideo = try #require((try await site.pageEntry(clip)["video"] as? [String])?.first)
            #expect(playedVideo.hasPrefix(site.base + "/media/r/") && playedVideo.hasSuffix(".mp4"))

            let first = try site.created(try await site.upload(try await Fixtures.sidewaysJPEGWithGPS(in: folder), token: token))
            let second = try site.created(try await site.upload(try await Fixtures.png(in: folder), token: token))
            let album = try site.created(
                try await site.postForm(
                    [
                        ("h", "entry"), ("content", "Two photos"), ("photo[]", first), ("photo[]", second),
                        ("mp-photo-alt[]", "The first"), ("mp-photo-alt[]", "The second"),
                    ],
                    token: token
                )
            )
            _ = try await site.waitForJobs()
            let photos = try #require(try await site.pageEntry(album)["photo"] as? [[String: Any]])
            #expect(photos.map { $0["alt"] as? String } == ["The first", "The second"])
            let stored = try #require((try await site.source(album, token: token)["properties"] as? [String: Any])?["photo"] as? [[String: String]])
            #expect(stored == [["value": first, "alt": "The first"], ["value": second, "alt": "The second"]])
            for url in [episode, clip, album] { try await site.expectPageAgreesWithSource(url, token: token) }
        }
    }

    @Test("mp-slug, published, drafts and unknown properties are honoured", arguments: TestSite.Database.allCases)
    func commands(database: TestSite.Database) async throws {
        try await TestSite.run(database: database) { site in
            let token = try await site.token(Self.everything)
            let slugged = try site.created(
                try await site.postForm(
                    [
                        ("h", "entry"), ("content", "Hello"), ("mp-slug", "my-first-post"), ("published", "2024-01-02T03:04:05Z"),
                        ("mood", "cheerful"),
                    ],
                    token: token
                )
            )
            #expect(slugged == site.base + "/posts/my-first-post")
            let properties = try #require(try await site.source(slugged, token: token)["properties"] as? [String: Any])
            #expect(properties["mood"] as? [String] == ["cheerful"])
            #expect(properties["published"] as? [String] == ["2024-01-02T03:04:05Z"])
            #expect(properties["mp-slug"] == nil)
            #expect(try await site.get(slugged).text.contains("datetime=\"2024-01-02T03:04:05Z\""))

            let draft = try site.created(
                try await site.postForm([("h", "entry"), ("content", "Not yet"), ("post-status", "draft")], token: token)
            )
            #expect(try await site.get(draft).status == .notFound)
            #expect(!(try await site.get("/").text.contains("Not yet")))
            #expect(
                try await site.postJSON(#"{"action":"update","url":""# + draft + #"","replace":{"post-status":["published"]}}"#, token: token).status
                    == .noContent
            )
            #expect(try await site.get(draft).status == .ok)

            let elsewhere = try await site.postForm([("h", "entry"), ("content", "x"), ("mp-destination", "https://other.example/")], token: token)
            #expect(elsewhere.status == .badRequest)
            let here = try await site.postForm([("h", "entry"), ("content", "x"), ("mp-destination", site.base + "/")], token: token)
            #expect(here.status == .created)
        }
    }

    @Test(
        "errors are JSON with the right status: content type, bad JSON, unknown action, foreign or missing URL, scopes",
        arguments: TestSite.Database.allCases
    )
    func errors(database: TestSite.Database) async throws {
        try await TestSite.run(database: database) { site in
            let token = try await site.token(Self.everything)
            let auth = ("Authorization", "Bearer \(token)")
            let text = try await site.request("/micropub", method: .POST, headers: [auth, ("Content-Type", "text/plain")], body: Data("hi".utf8))
            #expect(text.status == .unsupportedMediaType)
            #expect(text.json["error"] as? String == "invalid_request")
            let badJSON = try await site.postJSON("{not json", token: token)
            #expect(badJSON.status == .badRequest)
            let unknown = try await site.postJSON(#"{"action":"explode","url":"x"}"#, token: token)
            #expect(unknown.status == .badRequest)
            #expect((unknown.json["error_description"] as? String)?.contains("explode") == true)
            let foreign = try await site.postJSON(
                #"{"action":"update","url":"https://elsewhere.example/posts/a","replace":{"content":["x"]}}"#,
                token: token
            )
            #expect(foreign.status == .badRequest)
            let missing = try await site.postJSON(#"{"action":"delete","url":""# + site.base + #"/posts/nothing-here"}"#, token: token)
            #expect(missing.status == .badRequest)
            #expect((missing.json["error_description"] as? String)?.contains("no post") == true)
            let formUpdate = try await site.postRawForm("action=update&url=\(site.base)/posts/x", token: token)
            #expect(formUpdate.status == .badRequest)

            let post = try site.created(try await site.postForm([("h", "entry"), ("content", "keep me")], token: token))
            let createOnly = try await site.token("create")
            #expect(try await site.postJSON(#"{"action":"delete","url":""# + post + #""}"#, token: createOnly).status == .forbidden)
            #expect(
                try await site.postJSON(#"{"action":"update","url":""# + post + #"","add":{"category":["x"]}}"#, token: createOnly).status
                    == .forbidden
            )
            #expect(try await site.get(post).status == .ok)
            let noQuery = try await site.get("/micropub", headers: [auth])
            #expect(noQuery.status == .badRequest)
        }
    }

    @Test(
        "media endpoint: q=source newest first with limit and offset, q=last, alt text, and delete of unused uploads only",
        arguments: TestSite.Database.allCases
    )
    func mediaEndpointExtensions(database: TestSite.Database) async throws {
        try await TestSite.run(database: database) { site in
            let token = try await site.token(Self.everything)
            let folder = try Fixtures.folder()
            var uploaded: [String] = []
            for index in 0..<3 {
                uploaded.append(try site.created(try await site.upload(try await Fixtures.png(in: folder, name: "p\(index).png"), token: token)))
                try await Task.sleep(for: .milliseconds(20))
            }
            _ = try await site.waitForJobs()
            let auth = [("Authorization", "Bearer \(token)")]

            let all = try #require(try await site.get("/micropub/media?q=source", headers: auth).json["items"] as? [[String: Any]])
            #expect(all.compactMap { $0["url"] as? String } == uploaded.reversed())
            #expect(all.first?["mime_type"] as? String == "image/png")
            #expect(all.first?["published"] as? String != nil)
            #expect((all.first?["sizes"] as? [[String: Any]])?.isEmpty == false)
            let page = try #require(try await site.get("/micropub/media?q=source&limit=1&offset=1", headers: auth).json["items"] as? [[String: Any]])
            #expect(page.compactMap { $0["url"] as? String } == [uploaded[1]])
            #expect(try await site.get("/micropub/media?q=last", headers: auth).json["url"] as? String == uploaded[2])

            let described = try await site.postRawForm("", token: nil)  // sanity: form posts to /micropub need a token
            #expect(described.status == .unauthorized)
            let alt = try await site.request(
                "/micropub/media",
                method: .POST,
                headers: auth + [("Content-Type", "application/x-www-form-urlencoded")],
                body: Data("action=update&url=\(uploaded[0])&alt=A+test+pattern".utf8)
            )
            #expect(alt.status == .noContent)
            let one = try await site.get("/micropub/media?q=source&url=\(uploaded[0])", headers: auth)
            #expect(one.json["alt"] as? String == "A test pattern")

            _ = try site.created(try await site.postForm([("h", "entry"), ("photo", uploaded[1])], token: token))
            let inUse = try await site.request(
                "/micropub/media",
                method: .POST,
                headers: auth + [("Content-Type", "application/json")],
                body: Data(("{\"action\":\"delete\",\"url\":\"" + uploaded[1] + "\"}").utf8)
            )
            #expect(inUse.status == .badRequest)
            #expect(try await site.get(uploaded[1]).status == .ok)

            let renditionsBefore = site.files(in: "renditions").count
            let deleted = try await site.request(
                "/micropub/media",
                method: .POST,
                headers: auth + [("Content-Type", "application/x-www-form-urlencoded")],
                body: Data("action=delete&url=\(uploaded[0])".utf8)
            )
            #expect(deleted.status == .noContent)
            #expect(try await site.get(uploaded[0]).status == .notFound)
            #expect(site.files(in: "originals").count == 2)
            #expect(site.files(in: "renditions").count < renditionsBefore)
        }
    }
}
