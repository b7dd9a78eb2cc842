import Foundation
import MediaKit
import MediaModel
import TestSupport
import Testing

/// A phone photo's GPS position reaches no public URL: not the upload's own
/// URL, not the page while the photo waits for its job, not the renditions,
/// the feeds or the export.
@Suite("Location privacy")
struct LocationPrivacyTests {
    @Test("a phone JPEG with GPS and orientation 6: Location URL, page before and after processing, renditions, feeds and export carry no location")
    func phonePhotoLocation() async throws {
        let folder = try Fixtures.folder()
        let photo = try await Fixtures.sidewaysJPEGWithGPS(in: folder)
        #expect(try await Fixtures.locationTags(of: photo).contains("EXIF:GPSLatitude"), "the fixture has a location to lose")
        var location = ""
        var permalink = ""
        var data: URL?

        // No media workers: the photo waits, as it does behind other jobs on a busy machine.
        try await TestSite.run(workerThreads: 0) { site in
            data = site.data
            let token = try await site.token("create media")
            let upload = try await site.upload(photo, token: token)
            #expect(upload.status == .created)
            location = try #require(upload.headers.first(name: "Location"))

            let served = try await site.get(location)
            #expect(served.status == .ok && served.headers.first(name: "Content-Type") == "image/jpeg")
            let servedFile = folder.appendingPathComponent("served.jpg")
            try served.body.write(to: servedFile)
            #expect(try await Fixtures.locationTags(of: servedFile) == [])
            #expect(try await Fixtures.leakedMetadata(of: servedFile).allSatisfy { !$0.hasPrefix("EXIF:Make") && !$0.hasPrefix("EXIF:SerialNumber") })
            // Without re-encoding: the same pixels, still marked to be turned upright.
            #expect(try await Self.pixelDigest(servedFile) == (try Self.pixelDigest(photo)))
            #expect(try await Fixtures.metadata(of: servedFile)["EXIF:Orientation"] as? String == "Rotate 90 CW")
            // The owner's upload is kept whole, unserved.
            let id = URL(string: location)!.lastPathComponent
            #expect(try await Fixtures.locationTags(of: site.data.appendingPathComponent("originals/\(id)")).contains("EXIF:GPSLatitude"))

            permalink = try site.created(
                try await site.postForm(
                    [("h", "entry"), ("content", "From the phone"), ("photo", location), ("mp-photo-alt", "A sideways test card")],
                    token: token
                )
            )
            let page = try await site.get(permalink)
            #expect(!page.text.contains(location) && !page.text.contains("/media/\(id)"), "the page links the upload")
            #expect(page.text.contains("class=\"photo-pending\" role=\"img\" aria-label=\"A sideways test card\" style=\"aspect-ratio:480/640\""))
            #expect(try await Fixtures.emptyAttributes(html: page.text) == [])
            for path in ["/feed.xml", "/feed.json", "/"] {
                let text = try await site.get(path).text
                #expect(!text.contains("/media/\(id)"), "\(path) links the upload")
            }
            #expect(try await Fixtures.feedPictures(feed: try await site.get("/feed.json").body, json: true).first?["image"] is NSNull)
        }

        // The same data folder served again (on another port), now with workers.
        try await TestSite.run(data: try #require(data)) { site in
            #expect(try await site.waitForJobs() == [.done])
            let relocated = permalink.replacingOccurrences(of: try #require(permalink.components(separatedBy: "/posts/").first), with: site.base)
            let page = try await site.get(relocated)
            #expect(!page.text.contains("photo-pending"))
            #expect(try await Fixtures.emptyAttributes(html: page.text) == [])
            var urls = PhotoPostTests.srcsetURLs(in: page.text)
            #expect(!urls.isEmpty)
            for feed in ["/feed.xml", "/feed.json"] {
                let pictures = try await Fixtures.feedPictures(feed: try await site.get(feed).body, json: feed.hasSuffix("json"))
                let images = (pictures.first?["images"] as? [[String: Any]] ?? []).compactMap { $0["src"] as? String }
                #expect(images.count == 1, "\(feed): \(pictures)")
                urls += images
            }
            for (index, url) in Set(urls).sorted().enumerated() {
                #expect(url.contains("/media/r/"), "\(url) is not a rendition")
                let file = folder.appendingPathComponent("rendition-\(index)")
                try await site.get(url).body.write(to: file)
                #expect(try await Fixtures.locationTags(of: file) == [], "\(url)")
            }

            let output = try Fixtures.folder().appendingPathComponent("site")
            let exported = try await Microcast.run(["export", "--data", site.data.path, "--base-url", "https://example.org", output.path])
            #expect(exported.status == 0, "\(exported.errors)")
            let read = try await Fixtures.runOffPool("exiftool", ["-j", "-r", "-G", "-a", "-m", "-GPS:all", "-XMP:all", output.path])
            let exportedFiles = try #require(try JSONSerialization.jsonObject(with: read) as? [[String: Any]])
            #expect(exportedFiles.count > 5)
            let located = exportedFiles.filter { $0.keys.contains { $0.contains("GPS") } }.compactMap { $0["SourceFile"] as? String }
            #expect(located == [], "exported files with a location")

            // Chromium shows the Location URL's file upright (it applies the orientation kept in it).
            let script = Repository.root.appendingPathComponent("Tests/Browser/check_pages.py")
            let shown = location.replacingOccurrences(of: try #require(location.components(separatedBy: "/media/").first), with: site.base)
            // /media answers are sandboxed (no script runs in them); the checks need to run in it.
            let report = try await Fixtures.runOffPool("python3", [script.path, try Fixtures.folder().path, "--bypass-csp", "upload=\(shown)"])
            let sizes = (try JSONSerialization.jsonObject(with: report) as? [String: [String: Any]])?["upload"]?["imageSizes"] as? [[Int]]
            #expect(sizes == [[480, 640]])
        }
    }

    @Test("an album of three photos reaches RSS and JSON Feed readers as three pictures with their alt texts, each a rendition that answers 200")
    func albumInFeeds() async throws {
        try await TestSite.run { site in
            let folder = try Fixtures.folder()
            let token = try await site.token("create media")
            let alts = ["The first card", "The second card", "The third card"]
            var fields: [(String, String)] = [("h", "entry"), ("content", "Three cards")]
            for (index, alt) in alts.enumerated() {
                let file = try await Fixtures.png(in: folder, name: "card-\(index).png", size: "\(640 + index * 100)x480")
                let location = try #require(try await site.upload(file, token: token).headers.first(name: "Location"))
                fields += [("photo[]", location), ("mp-photo-alt[]", alt)]
            }
            _ = try site.created(try await site.postForm(fields, token: token))
            #expect(try await site.waitForJobs() == [.done, .done, .done])

            for json in [false, true] {
                let entries = try await Fixtures.feedPictures(feed: try await site.get(json ? "/feed.json" : "/feed.xml").body, json: json)
                let images = try #require(entries.first?["images"] as? [[String: Any]])
                #expect(images.compactMap { $0["alt"] as? String } == alts, "\(json ? "JSON" : "RSS"): \(images)")
                for image in images {
                    let url = try #require(image["src"] as? String)
                    #expect(url.hasPrefix(site.base + "/media/r/") && url.hasSuffix(".jpg"), "\(url)")
                    let served = try await site.get(url)
                    #expect(served.status == .ok)
                    let file = folder.appendingPathComponent("feed-\(json)-\(URL(string: url)!.lastPathComponent)")
                    try served.body.write(to: file)
                    let probe = try await probed(file.path)
                    #expect([probe.width, probe.height].map { $0.map(String.init) } == [image["width"] as? String, image["height"] as? String])
                }
                if json {
                    #expect(entries.first?["image"] as? String == images.first?["src"] as? String)
                } else {
                    // Media RSS, for Feedly and Inoreader.
                    let media = try #require(entries.first?["media"] as? [[String: Any]])
                    #expect(media.compactMap { $0["url"] as? String } == images.compactMap { $0["src"] as? String })
                    #expect(media.allSatisfy { $0["medium"] as? String == "image" && $0["type"] as? String == "image/jpeg" })
                }
            }
            let rss = try await site.get("/feed.xml").text
            for alt in alts { #expect(rss.contains("<media:description type=\"plain\">\(alt)</media:description>")) }
        }
    }

    @Test("a phone video's Location URL: its picture, sound and rotation without its location; a copy made before that is made again")
    func phoneVideoLocation() async throws {
        let folder = try Fixtures.folder()
        // Small, so that the site's own processing of it costs the other tests little.
        let video = try await Fixtures.phoneVideo(in: folder, seconds: 1, size: "480x270")
        #expect(try await Fixtures.locationTags(of: video).contains("QuickTime:GPSCoordinates"), "the fixture has a location to lose")
        var locations: [String] = []
        var data: URL?

        // The first upload as an owner who publishes locations (the copy is the
        // original itself, as every video's was before), the second as anyone.
        for keepLocation in [true, false] {
            try await TestSite.run(
                workerThreads: 0,
                data: data,
                configure: { $0.keepLocation = keepLocation },
                body: { site in
                    data = site.data
                    let token = try await site.token("create media")
                    let upload = try await site.upload(video, token: token)
                    #expect(upload.status == .created)
                    let location = try #require(upload.headers.first(name: "Location"))
                    locations.append(location)
                    let served = folder.appendingPathComponent("served-\(keepLocation).mov")
                    try await site.get(location).body.write(to: served)
                    #expect(try await Fixtures.locationTags(of: served).isEmpty != keepLocation)
                    if !keepLocation { try await Self.expectSameRecording(served, as: video) }
                }
            )
        }

        // Served by default again: the old copy is not served until a job has made it without the location.
        try await TestSite.run(data: try #require(data)) { site in
            _ = try await site.waitForJobs()
            for (index, location) in locations.enumerated() {
                let relocated = location.replacingOccurrences(of: try #require(location.components(separatedBy: "/media/").first), with: site.base)
                let reply = try await site.get(relocated)
                #expect(reply.status == .ok, "\(relocated)")
                let served = folder.appendingPathComponent("again-\(index).mov")
                try reply.body.write(to: served)
                #expect(try await Fixtures.locationTags(of: served) == [], "\(relocated)")
                try await Self.expectSameRecording(served, as: video)
            }
        }
    }

    /// The same streams, duration and rotation as `original`.
    static func expectSameRecording(_ copy: URL, as original: URL) async throws {
        let (before, after) = (try await Fixtures.ffprobe(original), try await Fixtures.ffprobe(copy))
        let described = { (probe: [String: Any]) -> [String] in
            (probe["streams"] as? [[String: Any]] ?? []).map { stream in
                let rotation = (stream["side_data_list"] as? [[String: Any]])?.compactMap { $0["rotation"] as? Int }.first
                return "\(stream["codec_name"] ?? "?") \(stream["width"] ?? "") \(rotation.map(String.init) ?? "")"
            }
        }
        #expect(described(after) == described(before) && described(after).count == 2, "\(described(after))")
        let seconds = { (probe: [String: Any]) in Double((probe["format"] as? [String: Any])?["duration"] as? String ?? "") ?? 0 }
        #expect(abs(seconds(after) - seconds(before)) < 0.05)
    }

    /// The decoded pixels' digest, whatever the metadata around them.
    static func pixelDigest(_ file: URL) async throws -> String {
        String(decoding: try await Fixtures.runOffPool("ffmpeg", ["-v", "error", "-i", file.path, "-f", "md5", "-"]), as: UTF8.self)
    }
}
