import Foundation
import TestSupport
import Testing

/// The micropub.rocks server suite (tests 100–805), each request sent exactly
/// as the suite displays it, each manual check done by `q=source` and by
/// parsing the post's page with mf2py. See shared/design/MICROPUB-ROCKS.md.
@Suite("micropub.rocks")
struct MicropubRocksTests {
    static let rocks = "https://micropub.rocks/"
    static let everything = "create update delete undelete media"

    // MARK: 100s: create, form-encoded

    @Test("100: a form-encoded h-entry is created with 201 and a Location")
    func test100() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let url = try site.created(try await site.postRawForm("h=entry&content=Micropub+test+of+creating+a+basic+h-entry", token: token))
            let source = try await site.source(url, token: token)
            #expect(source["type"] as? [String] == ["h-entry"])
            #expect((source["properties"] as? [String: Any])?["content"] as? [String] == ["Micropub test of creating a basic h-entry"])
            try await site.expectPageAgreesWithSource(url, token: token)
        }
    }

    @Test("101: category[] twice gives two categories")
    func test101() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let body =
                "h=entry&content=Micropub+test+of+creating+an+h-entry+with+categories.+This+post+should+have+two+categories,+test1+and+test2&category[]=test1&category[]=test2"
            let url = try site.created(try await site.postRawForm(body, token: token))
            #expect((try await site.source(url, token: token)["properties"] as? [String: Any])?["category"] as? [String] == ["test1", "test2"])
            try await site.expectPageAgreesWithSource(url, token: token)
        }
    }

    @Test("104: a photo referenced by URL is kept and shown")
    func test104() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let photo = Self.rocks + "media/sunset.jpg"
            let body =
                "h=entry&content=Micropub+test+of+creating+a+photo+referenced+by+URL&photo=\(photo.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            let url = try site.created(try await site.postRawForm(body, token: token))
            #expect((try await site.source(url, token: token)["properties"] as? [String: Any])?["photo"] as? [String] == [photo])
            let shown = try #require((try await site.pageEntry(url)["photo"] as? [Any])?.first)
            #expect(((shown as? String) ?? (shown as? [String: Any])?["value"] as? String) == photo)
            try await site.expectPageAgreesWithSource(url, token: token)
        }
    }

    @Test("107: a single category without [] is one category")
    func test107() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let body =
                "h=entry&content=Micropub+test+of+creating+an+h-entry+with+one+category.+This+post+should+have+one+category,+test1&category=test1"
            let url = try site.created(try await site.postRawForm(body, token: token))
            #expect((try await site.source(url, token: token)["properties"] as? [String: Any])?["category"] as? [String] == ["test1"])
            try await site.expectPageAgreesWithSource(url, token: token)
        }
    }

    // MARK: 200s: create, JSON

    func createJSON(_ site: TestSite, _ properties: String, token: String) async throws -> String {
        try site.created(try await site.postJSON(#"{"type":["h-entry"],"properties":"# + properties + "}", token: token))
    }

    @Test("200 to 206: JSON creates keep every value as sent and the page shows it")
    func test200to206() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let sunset = Self.rocks + "media/sunset.jpg"
            let city = Self.rocks + "media/city-at-night.jpg"

            let plain = try await createJSON(site, #"{"content":["Micropub test of creating an h-entry with a JSON request"]}"#, token: token)  // 200
            let categories = try await createJSON(
                site,
                #"{"content":["Micropub test of creating an h-entry with a JSON request containing multiple categories. This post should have two categories, test1 and test2."],"category":["test1","test2"]}"#,
                token: token
            )  // 201
            // 202
            let html = try await createJSON(site, #"{"content":[{"html":"<p>This post has <b>bold</b> and <i>italic</i> text.</p>"}]}"#, token: token)
            let photo = try await createJSON(
                site,
                #"{"content":["Micropub test of creating a photo referenced by URL. This post should include a photo of a sunset."],"photo":[""#
                    + sunset + #""]}"#,
                token: token
            )  // 203
            let checkin = try await createJSON(
                site,
                #"{"published":["2017-05-31T12:03:36-07:00"],"content":["Lunch meeting"],"checkin":[{"type":["h-card"],"properties":{"name":["Los Gorditos"],"url":["https://foursquare.com/v/502c4bbde4b06e61e06d1ebf"],"latitude":[45.524330801154],"longitude":[-122.68068808051],"street-address":["922 NW Davis St"],"locality":["Portland"],"region":["OR"],"country-name":["United States"],"postal-code":["97209"]}}]}"#,
                token: token
            )  // 204
            let alt = try await createJSON(
                site,
                #"{"content":["Micropub test of creating a photo referenced by URL with alt text. This post should include a photo of a sunset."],"photo":[{"value":""#
                    + sunset + #"","alt":"Photo of a sunset"}]}"#,
                token: token
            )  // 205
            let two = try await createJSON(
                site,
                #"{"content":["Micropub test of creating multiple photos referenced by URL. This post should include a photo of a city at night."],"photo":[""#
                    + sunset + #"",""# + city + #""]}"#,
                token: token
            )  // 206

            func properties(_ url: String) async throws -> [String: Any] {
                try await site.source(url, token: token)["properties"] as? [String: Any] ?? [:]
            }
            #expect(try await properties(plain)["content"] as? [String] == ["Micropub test of creating an h-entry with a JSON request"])
            #expect(try await properties(categories)["category"] as? [String] == ["test1", "test2"])
            #expect(
                ((try await properties(html)["content"] as? [[String: String]])?.first)?["html"]
                    == "<p>This post has <b>bold</b> and <i>italic</i> text.</p>"
            )
            #expect(
                (try await site.pageEntry(html)["content"] as? [[String: Any]])?.first?["html"] as? String
                    == "<p>This post has <b>bold</b> and <i>italic</i> text.</p>"
            )
            #expect(try await properties(photo)["photo"] as? [String] == [sunset])
            let card = try #require((try await properties(checkin)["checkin"] as? [[String: Any]])?.first)
            #expect(card["type"] as? [String] == ["h-card"])
            let cardProperties = try #require(card["properties"] as? [String: Any])
            #expect(cardProperties["latitude"] as? [Double] == [45.524330801154])
            #expect(try await properties(checkin)["published"] as? [String] == ["2017-05-31T12:03:36-07:00"])
            #expect(((try await properties(alt)["photo"] as? [[String: String]])?.first) == ["value": sunset, "alt": "Photo of a sunset"])
            #expect((try await site.pageEntry(alt)["photo"] as? [[String: String]])?.first?["alt"] == "Photo of a sunset")
            #expect((try await properties(two)["photo"] as? [String])?.count == 2)
            for url in [plain, categories, html, photo, checkin, alt, two] {
                try await site.expectPageAgreesWithSource(url, token: token)
            }
        }
    }

    // MARK: 300s: multipart to the Micropub endpoint

    @Test("300 and 301: photos sent with the post are stored like uploads, in order")
    func test300and301() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let folder = try Fixtures.folder()
            let sunset = try await Fixtures.sidewaysJPEGWithGPS(in: folder, name: "sunset.jpg")
            let city = try await Fixtures.png(in: folder, name: "city-at-night.png")

            let one = try site.created(
                try await site.postMultipart(fields: [("h", "entry"), ("content", "Nice sunset tonight")], files: [("photo", sunset)], token: token)
            )
            let two = try site.created(
                try await site.postMultipart(
                    fields: [("h", "entry"), ("content", "This post should have two photos")],
                    files: [("photo[]", sunset), ("photo[]", city)],
                    token: token
                )
            )
            #expect(try await site.waitForJobs() == [.done, .done, .done])

            let firstPhotos = try #require((try await site.source(one, token: token)["properties"] as? [String: Any])?["photo"] as? [String])
            #expect(firstPhotos.count == 1 && firstPhotos[0].hasPrefix(site.base + "/media/") && firstPhotos[0].hasSuffix(".jpg"))
            let photos = try #require((try await site.source(two, token: token)["properties"] as? [String: Any])?["photo"] as? [String])
            #expect(photos.count == 2)
            #expect(photos[0].hasSuffix(".jpg") && photos[1].hasSuffix(".png"))
            #expect(try await site.get(photos[1]).headers.first(name: "Content-Type") == "image/png")
            for url in [one, two] { try await site.expectPageAgreesWithSource(url, token: token) }
            #expect(site.files(in: "uploads") == [])
        }
    }

    // MARK: 400s: update

    @Test("400 to 404: replace, add, add a new property, delete a value, delete a property")
    func test400to404() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            func update(_ url: String, _ body: String) async throws {
                let reply = try await site.postJSON(#"{"action":"update","url":""# + url + #"","# + body + "}", token: token)
                #expect(reply.status == .noContent || reply.status == .ok, "\(reply.text)")
            }
            func properties(_ url: String) async throws -> [String: Any] {
                try await site.source(url, token: token)["properties"] as? [String: Any] ?? [:]
            }

            let replaced = try await createJSON(
                site,
                #"{"content":["Micropub update test. This text should be replaced if the test succeeds."]}"#,
                token: token
            )
            try await update(replaced, #""replace":{"content":["This is the updated text. If you can see this you passed the test!"]}"#)
            #expect(try await properties(replaced)["content"] as? [String] == ["This is the updated text. If you can see this you passed the test!"])

            let added = try await createJSON(
                site,
                #"{"content":["Micropub update test for adding a category. After you run the update, this post should have two categories: test1 and test2."],"category":["test1"]}"#,
                token: token
            )
            try await update(added, #""add":{"category":["test2"]}"#)
            #expect(try await properties(added)["category"] as? [String] == ["test1", "test2"])

            let fresh = try await createJSON(
                site,
                #"{"content":["This test adds a category property to a post that previously had no category. After you run the update, this post should have the category test1."]}"#,
                token: token
            )
            try await update(fresh, #""add":{"category":["test1"]}"#)
            #expect(try await properties(fresh)["category"] as? [String] == ["test1"])

            let value = try await createJSON(
                site,
                #"{"content":["This test deletes a category from the post. After you run the update, this post should have only the category test1."],"category":["test1","test2"]}"#,
                token: token
            )
            try await update(value, #""delete":{"category":["test2"]}"#)
            #expect(try await properties(value)["category"] as? [String] == ["test1"])

            let whole = try await createJSON(
                site,
                #"{"content":["This test deletes the category property from the post. After you run the update, this post should have no categories."],"category":["test1","test2"]}"#,
                token: token
            )
            try await update(whole, #""delete":["category"]"#)
            #expect(try await properties(whole)["category"] == nil)

            for url in [replaced, added, fresh, value, whole] { try await site.expectPageAgreesWithSource(url, token: token) }
        }
    }

    @Test("405: a replace that is not an object is 400 invalid_request, and the post is unchanged")
    func test405() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let url = try await createJSON(site, #"{"content":["Micropub update test #405."]}"#, token: token)
            let reply = try await site.postJSON(
                #"{"action":"update","url":""# + url + #"","replace":"This is not a valid update request."}"#,
                token: token
            )
            #expect(reply.status == .badRequest)
            #expect(reply.json["error"] as? String == "invalid_request")
            #expect(
                (try await site.source(url, token: token)["properties"] as? [String: Any])?["content"] as? [String] == ["Micropub update test #405."]
            )
        }
    }

    // MARK: 500s: delete and undelete

    @Test("500 to 503: a deleted post answers 410 and leaves the home page; undelete restores it at the same URL")
    func test500to503() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let formPost = try site.created(
                try await site.postRawForm("h=entry&content=This+post+will+be+deleted+when+the+test+succeeds.", token: token)
            )
            #expect(try await site.postRawForm("action=delete&url=\(formPost)", token: token).status == .noContent)  // 500
            #expect(try await site.get(formPost).status == .gone)

            let jsonPost = try await createJSON(site, #"{"content":["This post will be deleted when the test succeeds."]}"#, token: token)
            #expect(try await site.postJSON(#"{"action":"delete","url":""# + jsonPost + #""}"#, token: token).status == .noContent)  // 501
            #expect(try await site.get(jsonPost).status == .gone)

            let restoredForm = try site.created(
                try await site.postRawForm("h=entry&content=This+post+will+be+deleted,+and+should+be+restored+after+undeleting+it.", token: token)
            )
            #expect(try await site.postRawForm("action=delete&url=\(restoredForm)", token: token).status == .noContent)  // 502
            #expect(!(try await site.get("/").text.contains(restoredForm)))
            #expect(try await site.postRawForm("action=undelete&url=\(restoredForm)", token: token).status == .noContent)
            #expect(try await site.get(restoredForm).status == .ok)
            #expect(try await site.get("/").text.contains(restoredForm))

            let restoredJSON = try await createJSON(
                site,
                #"{"content":["This post will be deleted, and should be restored after undeleting it."]}"#,
                token: token
            )
            #expect(try await site.postJSON(#"{"action":"delete","url":""# + restoredJSON + #""}"#, token: token).status == .noContent)  // 503
            #expect(try await site.get(restoredJSON).status == .gone)
            #expect(try await site.postJSON(#"{"action":"undelete","url":""# + restoredJSON + #""}"#, token: token).status == .noContent)
            #expect(try await site.get(restoredJSON).status == .ok)
            for url in [restoredForm, restoredJSON] { try await site.expectPageAgreesWithSource(url, token: token) }
        }
    }

    // MARK: 600s: queries

    @Test("600 to 603: config, syndicate-to and source (all properties, or only those asked for)")
    func test600to603() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let auth = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
            let config = try await site.get("/micropub?q=config", headers: auth)  // 600
            #expect(config.status == .ok)
            #expect(config.headers.first(name: "Content-Type") == "application/json")
            #expect(config.json["media-endpoint"] as? String == site.base + "/micropub/media")
            #expect((config.json["destination"] as? [[String: String]])?.first?["uid"] == site.base + "/")
            let syndicate = try await site.get("/micropub?q=syndicate-to", headers: auth)  // 601
            #expect(syndicate.json["syndicate-to"] as? [Any] != nil)

            let url = try await createJSON(
                site,
                #"{"content":["Test of querying the endpoint for the source content"],"category":["micropub","test"]}"#,
                token: token
            )
            let all = try await site.source(url, token: token)  // 602
            #expect(all["type"] as? [String] == ["h-entry"])
            let properties = try #require(all["properties"] as? [String: Any])
            #expect(properties["content"] as? [String] == ["Test of querying the endpoint for the source content"])
            #expect(properties["category"] as? [String] == ["micropub", "test"])
            #expect(properties["published"] != nil)

            let some = try await site.source(url, token: token, properties: ["content", "category"])  // 603
            #expect(some["type"] == nil)
            #expect(Set((some["properties"] as? [String: Any])?.keys.map { $0 } ?? []) == ["content", "category"])

            try await site.expectPageAgreesWithSource(url, token: token)
            let categories = try await site.get("/micropub?q=category", headers: auth)
            #expect(categories.json["categories"] as? [String] == ["micropub", "test"])
            // Parameters appended to an endpoint URL that already has a query string.
            #expect(try await site.get("/micropub?site=main&q=config", headers: auth).status == .ok)
        }
    }

    // MARK: 700s: media endpoint

    @Test("700 to 702: JPEG, PNG and animated GIF uploads answer exactly 201 and serve the exact type without auth")
    func test700to702() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let config = try await site.get("/micropub?q=config", headers: [("Authorization", "Bearer \(token)")])
            let endpoint = try #require(config.json["media-endpoint"] as? String)
            #expect(endpoint.range(of: #"^https?://[^/]+/[^ ]*$"#, options: .regularExpression) != nil)
            let folder = try Fixtures.folder()
            for (file, type) in [
                (try await Fixtures.sidewaysJPEGWithGPS(in: folder, name: "sunset.jpg"), "image/jpeg"),
                (try await Fixtures.png(in: folder, name: "micropub-rocks.png"), "image/png"),
                (try await Fixtures.gif(in: folder, name: "w3c-socialwg.gif"), "image/gif"),
            ] {
                let reply = try await site.upload(file, token: token)
                #expect(reply.status == .created)
                let location = try #require(reply.headers.first(name: "Location"))
                let served = try await site.get(location)
                #expect(served.status == .ok)
                #expect(served.headers.first(name: "Content-Type") == type)
            }
        }
    }

    // MARK: 800s: authentication

    @Test("800 and 801: the token is accepted in the header or in the body")
    func test800and801() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let header = try site.created(
                try await site.postRawForm("h=entry&content=Testing+accepting+access+token+in+HTTP+Authorization+header", token: token)
            )
            let body = try site.created(
                try await site.postRawForm("h=entry&content=Testing+accepting+access+token+in+post+body&access_token=\(token)", token: nil)
            )
            for url in [header, body] { try await site.expectPageAgreesWithSource(url, token: token) }
        }
    }

    @Test("802: a body token is never stored as a property")
    func test802() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let url = try site.created(
                try await site.postRawForm("h=entry&content=Testing+accepting+access+token+in+post+body&access_token=\(token)", token: nil)
            )
            let properties = try #require(try await site.source(url, token: token)["properties"] as? [String: Any])
            #expect(properties["content"] as? [String] == ["Testing accepting access token in post body"])
            #expect(properties["access_token"] == nil)
            try await site.expectPageAgreesWithSource(url, token: token)
        }
    }

    @Test("803: no token is 401 unauthorized and creates nothing")
    func test803() async throws {
        try await TestSite.run { site in
            let reply = try await site.postRawForm("h=entry&content=Testing+unauthenticated+request.+This+should+not+create+a+post.", token: nil)
            #expect(reply.status == .unauthorized)
            #expect(reply.json["error"] as? String == "unauthorized")
            #expect(try await site.store.allPosts(limit: 10, offset: 0).isEmpty)
        }
    }

    @Test("804: a token without the create scope is 403 insufficient_scope and creates nothing")
    func test804() async throws {
        try await TestSite.run { site in
            let reply = try await site.postRawForm(
                "h=entry&content=Testing+a+request+with+an+unauthorized+access+token.+This+should+not+create+a+post.",
                token: try await site.token("update")
            )
            #expect(reply.status == .forbidden)
            #expect(reply.json["error"] as? String == "insufficient_scope")
            #expect(try await site.store.allPosts(limit: 10, offset: 0).isEmpty)
        }
    }

    @Test("805: a token in both the header and the body is 400 invalid_request")
    func test805() async throws {
        try await TestSite.run { site in
            let token = try await site.token(Self.everything)
            let reply = try await site.postRawForm(
                "h=entry&content=Testing+accepting+access+token+in+HTTP+Authorization+header+and+POST+body.+This+should+not+create+a+post&access_token=\(token)",
                token: token
            )
            #expect(reply.status == .badRequest)
            #expect(reply.json["error"] as? String == "invalid_request")
            #expect(try await site.store.allPosts(limit: 10, offset: 0).isEmpty)
        }
    }
}
