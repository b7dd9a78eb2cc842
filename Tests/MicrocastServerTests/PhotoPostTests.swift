import Foundation
import MediaKit
import MediaModel
import TestSupport
import Testing

@Suite("A photo from Micropub upload to published post")
struct PhotoPostTests {
    @Test("upload a camera JPEG, post it with alt text, and read it back upright and without location")
    func uploadPostAndPublish() async throws {
        try await TestSite.run { site in
            let folder = try Fixtures.folder()
            let photo = try await Fixtures.sidewaysJPEGWithGPS(in: folder)
            let token = try await site.token("create media")

            // 201 with an absolute Location, served at once as image/jpeg, without its location.
            let upload = try await site.upload(photo, token: token)
            #expect(upload.status == .created)
            let location = try #require(upload.headers.first(name: "Location"))
            #expect(location.hasPrefix(site.base + "/media/") && location.hasSuffix(".jpg"))
            let original = try await site.get(location)
            #expect(original.status == .ok)
            #expect(original.headers.first(name: "Content-Type") == "image/jpeg")
            let servedFile = folder.appendingPathComponent("served.jpg")
            try original.body.write(to: servedFile)
            #expect(try await Fixtures.locationTags(of: servedFile) == [])
            let uploaded = try Data(contentsOf: photo)
            #expect(original.body.count > 1000 && original.body != uploaded)

            let created = try await site.postForm(
                [
                    ("h", "entry"), ("content", "Sunrise over the test card"), ("photo", location),
                    ("mp-photo-alt", "A colourful test card"),
                ],
                token: token
            )
            #expect(created.status == .created)
            let permalink = try #require(created.headers.first(name: "Location"))
            #expect(permalink.hasPrefix(site.base + "/posts/"))

            #expect(try await site.waitForJobs() == [.done])

            // The permalink's h-entry, as an mf2 parser reads it.
            let page = try await site.get(permalink)
            #expect(page.status == .ok)
            let parsed = try await Fixtures.microformats(html: page.text, url: permalink)
            let entry = try #require((parsed["items"] as? [[String: Any]])?.first { ($0["type"] as? [String]) == ["h-entry"] })
            let properties = try #require(entry["properties"] as? [String: Any])
            let photoValue = try #require((properties["photo"] as? [[String: Any]])?.first)
            #expect(photoValue["alt"] as? String == "A colourful test card")
            #expect((photoValue["value"] as? String)?.hasPrefix(site.base + "/media/r/") == true)
            #expect((properties["url"] as? [String])?.contains(permalink) == true)
            #expect(((properties["content"] as? [[String: Any]])?.first?["value"] as? String)?.contains("Sunrise") == true)

            // Every rendition in the srcsets: fetched over HTTP, upright, no EXIF or GPS.
            let urls = Self.srcsetURLs(in: page.text)
            #expect(urls.count == 6, "320 and 480 wide, JPEG, AVIF and WebP")
            for url in urls {
                let rendition = try await site.get(url)
                #expect(rendition.status == .ok)
                let file = folder.appendingPathComponent(URL(string: url)!.lastPathComponent)
                try rendition.body.write(to: file)
                let probe = try await probed(file.path)
                #expect(try #require(probe.height) > (try #require(probe.width)), "\(url) is not upright")
                #expect(probe.hasGPS == false)
                #expect(try await Fixtures.leakedMetadata(of: file) == [], "\(url) kept metadata")
            }
            // Renditions are named by their content.
            #expect(site.files(in: "renditions").allSatisfy { $0.split(separator: ".").count == 3 })
        }
    }

    @Test("a JSON create with {value, alt} appears on the home page's h-feed, newest first")
    func jsonCreateOnHomePage() async throws {
        try await TestSite.run { site in
            let token = try await site.token("create media")
            let png = try await Fixtures.png(in: try Fixtures.folder())
            let location = try #require(try await site.upload(png, token: token).headers.first(name: "Location"))
            let first = try await site.postForm([("h", "entry"), ("content", "An older note")], token: token)
            #expect(first.status == .created)
            let json = """
                {"type":["h-entry"],"properties":{"content":["A newer photo"],
                "photo":[{"value":"\(location)","alt":"Test pattern"}],"category":["tests"]}}
                """
            #expect(try await site.postJSON(json, token: token).status == .created)
            _ = try await site.waitForJobs()

            let home = try await site.get("/")
            #expect(home.text.contains("<link rel=\"micropub\" href=\"\(site.base)/micropub\">"))
            let parsed = try await Fixtures.microformats(html: home.text, url: site.base + "/")
            let feed = try #require((parsed["items"] as? [[String: Any]])?.first { ($0["type"] as? [String]) == ["h-feed"] })
            let entries = try #require(feed["children"] as? [[String: Any]])
            #expect(entries.count == 2)
            let newest = try #require(entries.first?["properties"] as? [String: Any])
            #expect((newest["photo"] as? [[String: Any]])?.first?["alt"] as? String == "Test pattern")
            #expect(newest["category"] as? [String] == ["tests"])
            #expect(parsed["rels"].flatMap { ($0 as? [String: Any])?["micropub"] as? [String] } == [site.base + "/micropub"])
        }
    }

    @Test("a GIF is served as the GIF it is")
    func gifKeepsItsType() async throws {
        try await TestSite.run { site in
            let gif = try await Fixtures.gif(in: try Fixtures.folder())
            let upload = try await site.upload(gif, token: try await site.token("media"), fileName: "looks-like.jpg")
            #expect(upload.status == .created)
            let location = try #require(upload.headers.first(name: "Location"))
            #expect(location.hasSuffix(".gif"))
            let served = try await site.get(location)
            #expect(served.headers.first(name: "Content-Type") == "image/gif")
            #expect(served.body == (try Data(contentsOf: gif)))
        }
    }

    static func srcsetURLs(in html: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"srcset="([^"]+)""#)
        let range = NSRange(html.startIndex..., in: html)
        let sets = pattern.matches(in: html, range: range).compactMap { Range($0.range(at: 1), in: html).map { String(html[$0]) } }
        return Array(Set(sets.flatMap { $0.split(separator: ",").compactMap { $0.split(separator: " ").first.map(String.init) } }))
            .sorted()
    }
}
