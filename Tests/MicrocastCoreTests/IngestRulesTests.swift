import Foundation
import MediaModel
import Testing

@testable import MicrocastCore

@Suite("Drop-folder rules, sidecars and dropped-file posts")
struct IngestRulesTests {
    @Test("temporary and hidden names wait; sidecars are named after their file or folder")
    func names() {
        for name in ["film.mp4.part", "song.mp3.crdownload", "x.tmp", "~$notes.wav", ".DS_Store", "clip.mov.download", "a.jpg~"] {
            #expect(DropFolder.isTemporary(name), "\(name)")
        }
        for name in ["film.mp4", "IMG_0001.HEIC", "talk.wav", "Skye"] { #expect(!DropFolder.isTemporary(name), "\(name)") }
        #expect(DropFolder.sidecarName(for: "talk.wav") == "talk.json")
        #expect(DropFolder.isSidecar("talk.JSON"))
    }

    @Test("a sidecar's fields, and errors that say which field is wrong")
    func sidecar() throws {
        let full = try Sidecar(
            json: Data(
                #"{"title":"Ep 3","content":"Notes","published":"2026-11-20","categories":"tea","alt":["a","b"],"episode":"3","season":1,"draft":true}"#
                    .utf8
            )
        )
        #expect(full.title == "Ep 3" && full.content == "Notes" && full.categories == ["tea"] && full.alt == ["a", "b"])
        #expect(full.episode == 3 && full.season == 1 && full.isDraft)
        #expect(full.published == PostBuilder.parseDate("2026-11-20"))

        func reason(_ json: String) -> String {
            do {
                _ = try Sidecar(json: Data(json.utf8))
                return ""
            } catch { return "\(error)" }
        }
        #expect(reason(#"{"titel":"x"}"#).contains("unknown field \"titel\""))
        #expect(reason(#"{"published":"next tuesday"}"#).contains("not a date"))
        #expect(reason(#"{"episode":"three"}"#).contains("whole number"))
        #expect(reason(#"{"draft":"yes"}"#).contains("true or false"))
        #expect(reason("[1, 2]").contains("not a JSON object"))
    }

    @Test("dropped files become posts: titles from the sidecar, the file's tag or its name; photos with alt in order")
    func posts() throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let audio = try IngestPost.create(
            name: "episode_12.wav",
            isFolder: false,
            media: [IngestedMedia(url: "u/a.wav", kind: .audio)],
            sidecar: Sidecar(),
            defaultPublished: at
        )
        #expect(audio.properties["name"] == [.string("episode 12")])
        #expect(audio.properties["audio"] == [.string("u/a.wav")])
        let tagged = try IngestPost.create(
            name: "x.mp3",
            isFolder: false,
            media: [IngestedMedia(url: "u/x.mp3", kind: .audio, title: "From the tag")],
            sidecar: Sidecar(),
            defaultPublished: at
        )
        #expect(tagged.properties["name"] == [.string("From the tag")])

        var sidecar = Sidecar()
        sidecar.alt = ["first", "second"]
        let album = try IngestPost.create(
            name: "Skye",
            isFolder: true,
            media: [IngestedMedia(url: "u/1.jpg", kind: .photo), IngestedMedia(url: "u/2.jpg", kind: .photo)],
            sidecar: sidecar,
            defaultPublished: at
        )
        #expect(
            album.properties["photo"] == [
                .object(["value": .string("u/1.jpg"), "alt": .string("first")]), .object(["value": .string("u/2.jpg"), "alt": .string("second")]),
            ]
        )
        #expect(album.properties["name"] == [.string("Skye")])

        let photo = try IngestPost.create(
            name: "IMG_0001.jpg",
            isFolder: false,
            media: [IngestedMedia(url: "u/p.jpg", kind: .photo, takenAt: at)],
            sidecar: Sidecar(),
            defaultPublished: Date()
        )
        #expect(photo.properties["name"] == nil, "a photo needs no title")
        #expect(photo.command("mp-slug") == "img-0001")
        #expect(photo.properties["published"] == [.string(ISO8601DateFormatter().string(from: at))], "taken-at date wins over the drop time")

        #expect(throws: IngestPostError.self) {
            try IngestPost.create(
                name: "mixed",
                isFolder: true,
                media: [IngestedMedia(url: "u/1.jpg", kind: .photo), IngestedMedia(url: "u/t.wav", kind: .audio)],
                sidecar: Sidecar(),
                defaultPublished: at
            )
        }
    }
}

@Suite("Site URLs")
struct SiteURLTests {
    @Test("media URLs written under an earlier base are still recognised; others are not")
    func aliases() {
        let id = "abcdefghijklmnopqrst"
        let urls = SiteURLs(base: "https://new.example/", aliases: ["http://127.0.0.1:8080", "https://new.example"])
        #expect(urls.aliases == ["http://127.0.0.1:8080"])
        #expect(urls.mediaId(fromURL: "https://new.example/media/\(id).jpg") == id)
        #expect(urls.mediaId(fromURL: "http://127.0.0.1:8080/media/\(id).jpg") == id)
        #expect(urls.mediaId(fromURL: "https://elsewhere.example/media/\(id).jpg") == nil)
        #expect(urls.mediaId(fromURL: "http://127.0.0.1:8080/media/r/\(id).jpg") == nil)
        #expect(urls.tag("tea & cake") == "https://new.example/tags/tea%20%26%20cake")
        #expect(urls.homePage(1) == "https://new.example/" && urls.homePage(3) == "https://new.example/page/3")
    }
}
