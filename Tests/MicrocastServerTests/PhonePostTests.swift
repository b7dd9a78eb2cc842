import Foundation
import MediaKit
import MediaModel
import TestSupport
import Testing

/// What phones send, from Micropub upload to published page and feeds.
@Suite("Video posts and phone photos")
struct PhonePostTests {
    @Test("HEVC, VP9 and silent videos become H.264 posts with posters, in the pages and feeds with exact sizes")
    func videoPosts() async throws {
        try await TestSite.run { site in
            let folder = try Fixtures.folder()
            let token = try await site.token("create media")
            let sources = [
                try await Fixtures.phoneVideo(in: folder), try await Fixtures.webmVideo(in: folder), try await Fixtures.silentVideo(in: folder),
            ]
            var permalinks: [String] = []
            for (index, source) in sources.enumerated() {
                let upload = try await site.upload(source, token: token)
                #expect(upload.status == .created, "\(source.lastPathComponent): \(upload.text)")
                let location = try #require(upload.headers.first(name: "Location"))
                let created = try await site.postForm(
                    [("h", "entry"), ("name", "Clip \(index + 1)"), ("video", location)],
                    token: token
                )
                permalinks.append(try site.created(created))
            }
            #expect(try await site.waitForJobs() == [.done, .done, .done])

            let expectedSizes = [[1080, 1920], [480, 270], [640, 360]]
            for (permalink, size) in zip(permalinks, expectedSizes) {
                let page = try await site.get(permalink)
                let entry = try await site.pageEntry(permalink)
                let video = try #require((entry["video"] as? [String])?.first)
                #expect(video.hasPrefix(site.base + "/media/r/") && video.hasSuffix(".mp4"), "\(video)")
                let poster = try #require((entry["featured"] as? [String])?.first)
                #expect(page.text.contains("poster=\"\(poster)\""))
                #expect(page.text.contains("playsinline") && page.text.contains("preload=\"metadata\""))

                let served = try await site.get(video)
                #expect(served.headers.first(name: "Content-Type") == "video/mp4")
                let file = folder.appendingPathComponent(URL(string: video)!.lastPathComponent)
                try served.body.write(to: file)
                let boxes = try Fixtures.topLevelBoxes(of: file)
                #expect((boxes.firstIndex(of: "moov") ?? 99) < (boxes.firstIndex(of: "mdat") ?? -1), "\(boxes)")
                let stream = (try await Fixtures.ffprobe(file)["streams"] as? [[String: Any]])?.first { $0["codec_type"] as? String == "video" }
                #expect(stream?["codec_name"] as? String == "h264")
                #expect([stream?["width"] as? Int, stream?["height"] as? Int] == size.map { Optional($0) })

                let still = try await site.get(poster)
                #expect(still.headers.first(name: "Content-Type") == "image/jpeg")
                let stillFile = folder.appendingPathComponent(URL(string: poster)!.lastPathComponent)
                try still.body.write(to: stillFile)
                let probe = try await probed(stillFile.path)
                #expect([probe.width, probe.height] == size.map { Optional($0) })
            }

            // /feed.json and /feed.xml carry each video with its exact size and type.
            let feed = try await site.get("/feed.json").json
            let items = try #require(feed["items"] as? [[String: Any]])
            #expect(items.count == 3)
            for item in items {
                let attachment = try #require((item["attachments"] as? [[String: Any]])?.first)
                #expect(attachment["mime_type"] as? String == "video/mp4")
                let url = try #require(attachment["url"] as? String)
                let head = try await site.request(url, method: .HEAD)
                #expect(head.headers.first(name: "Content-Length") == String(try #require(attachment["size_in_bytes"] as? Int)))
                #expect((item["image"] as? String)?.hasSuffix(".jpg") == true)
            }
            let rss = try await site.get("/feed.xml").text
            #expect(rss.components(separatedBy: "<enclosure ").count == 4)
            #expect(rss.contains("type=\"video/mp4\""))
        }
    }

    @Test("HEIC, 16-bit PNG with alpha, camera JPEG and animated GIF: upright, sized, stripped, in order with alt text")
    func phonePhotos() async throws {
        try await TestSite.run { site in
            let folder = try Fixtures.folder()
            let token = try await site.token("create media")
            let photos: [(URL, String)] = [
                (try await Fixtures.heic(in: folder), "An HEIC test card"),
                (try await Fixtures.deepPNG(in: folder), "A deep PNG with a clear stripe"),
                (try await Fixtures.sidewaysJPEGWithGPS(in: folder), "A sideways camera shot"),
                (try await Fixtures.gif(in: folder), "A moving test card"),
            ]
            var fields: [(String, String)] = [("h", "entry"), ("content", "Four photos")]
            var locations: [String] = []
            for (file, alt) in photos {
                let upload = try await site.upload(file, token: token)
                #expect(upload.status == .created, "\(file.lastPathComponent): \(upload.text)")
                let location = try #require(upload.headers.first(name: "Location"))
                locations.append(location)
                fields += [("photo[]", location), ("mp-photo-alt[]", alt)]
            }
            let permalink = try site.created(try await site.postForm(fields, token: token))
            #expect(try await site.waitForJobs() == [.done, .done, .done, .done])

            let page = try await site.get(permalink)
            let entry = try await site.pageEntry(permalink)
            let shown = try #require(entry["photo"] as? [[String: Any]])
            #expect(shown.compactMap { $0["alt"] as? String } == photos.map(\.1))
            // The animated GIF is shown as itself, still image/gif.
            #expect(shown.last?["value"] as? String == locations.last)
            #expect(try await site.get(locations[3]).headers.first(name: "Content-Type") == "image/gif")
            #expect(page.text.contains("media=\"(prefers-reduced-motion: reduce)\""))
            // Each photo paints its placeholder colour until it loads.
            #expect(page.text.components(separatedBy: "style=\"background:#").count == 5)

            let urls = PhotoPostTests.srcsetURLs(in: page.text)
            #expect(urls.contains { $0.hasSuffix(".avif") } && urls.contains { $0.hasSuffix(".webp") })
            for url in urls {
                let file = folder.appendingPathComponent(URL(string: url)!.lastPathComponent)
                try await site.get(url).body.write(to: file)
                let probe = try await probed(file.path)
                #expect(probe.hasGPS == false, "\(url)")
                #expect(try await Fixtures.leakedMetadata(of: file) == [], "\(url) kept metadata")
                #expect(probe.colorSpace == "srgb", "\(url) is \(probe.colorSpace ?? "?")")
            }
            // The sideways JPEG's renditions are portrait; the others keep their shape.
            let jpegRenditions = urls.filter { $0.hasSuffix(".jpg") }
            #expect(!jpegRenditions.isEmpty)
            // The PNG's transparent top rows are white in its JPEG (JPEG has no alpha).
            let deepJPEG = try #require(srcsetURLs(ofPhoto: 1, in: page.text).first)
            let deepFile = folder.appendingPathComponent("deep-top.jpg")
            try await site.get(deepJPEG).body.write(to: deepFile)
            let top = folder.appendingPathComponent("deep-top-strip.v")
            try await Fixtures.runOffPool("vips", ["crop", deepFile.path, top.path, "0", "0", "100", "10"])
            let topBrightness =
                Double(
                    String(decoding: try await Fixtures.runOffPool("vips", ["avg", top.path]), as: UTF8.self).trimmingCharacters(
                        in: .whitespacesAndNewlines
                    )
                )
                ?? 0
            #expect(topBrightness > 250, "transparent rows came out at \(topBrightness)")
            let heicWidths = try await renditionWidths(site: site, page: page.text, index: 0)
            #expect(heicWidths == [320, 640, 1280, 1600], "1600 wide: the preset widths below it, then its own")
        }
    }

    /// URLs in the JPEG srcset of the `index`th photo on a page.
    func srcsetURLs(ofPhoto index: Int, in page: String) -> [String] {
        let imgs = page.components(separatedBy: "<img class=\"u-photo\"").dropFirst()
        guard index < imgs.count, let srcset = imgs[imgs.startIndex + index].components(separatedBy: "srcset=\"").dropFirst().first else {
            return []
        }
        return srcset.prefix { $0 != "\"" }.split(separator: ",").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// Widths in the JPEG srcset of the `index`th photo on a page.
    func renditionWidths(site: TestSite, page: String, index: Int) async throws -> [Int] {
        let imgs = page.components(separatedBy: "<img class=\"u-photo\"").dropFirst()
        guard index < imgs.count, let srcset = imgs[imgs.startIndex + index].components(separatedBy: "srcset=\"").dropFirst().first else {
            return []
        }
        return srcset.prefix { $0 != "\"" }.split(separator: ",").compactMap { entry in
            entry.split(separator: " ").last.flatMap { Int($0.dropLast()) }
        }
    }
}
