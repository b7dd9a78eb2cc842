import Foundation
import MediaModel
import Testing

@testable import MicrocastCore

@Suite("Micropub request parsing")
struct MicropubParserTests {
    func create(_ action: MicropubAction) throws -> MicropubCreate {
        guard case .create(let create) = action else {
            Issue.record("expected a create, got \(action)")
            throw CancellationError()
        }
        return create
    }

    @Test("form create pairs photo[] with mp-photo-alt[] and keeps protocol names out")
    func formCreate() throws {
        let body =
            "h=entry&content=Hello+%26+welcome&category[]=one&category[]=two&photo[]=https%3A%2F%2Fa%2F1.jpg"
            + "&photo[]=https%3A%2F%2Fa%2F2.jpg&mp-photo-alt[]=First&mp-photo-alt[]=Second&access_token=secret&mp-slug=hi"
        let parsed = try create(MicropubParser.parseForm(FormEncoding.decode(body)))
        #expect(parsed.type == "h-entry")
        #expect(parsed.properties["content"] == [.string("Hello & welcome")])
        #expect(parsed.properties["category"] == [.string("one"), .string("two")])
        #expect(
            parsed.properties["photo"] == [
                .object(["value": .string("https://a/1.jpg"), "alt": .string("First")]),
                .object(["value": .string("https://a/2.jpg"), "alt": .string("Second")]),
            ]
        )
        #expect(parsed.properties["access_token"] == nil)
        #expect(parsed.properties["h"] == nil)
        #expect(parsed.properties["mp-slug"] == nil)
        #expect(parsed.command("mp-slug") == "hi")
    }

    @Test("JSON create keeps numbers, nested objects and {value, alt} photos as sent")
    func jsonCreate() throws {
        let json = """
            {"type":["h-entry"],"properties":{"content":[{"html":"<b>hi</b>"}],"rating":[5],
            "photo":[{"value":"https://a/1.jpg","alt":"A photo"}],
            "checkin":[{"type":["h-card"],"properties":{"name":["Café"]}}]}}
            """
        let parsed = try create(MicropubParser.parseJSON(Data(json.utf8)))
        #expect(parsed.properties["rating"] == [.integer(5)])
        #expect(parsed.properties["content"] == [.object(["html": .string("<b>hi</b>")])])
        #expect(parsed.properties["photo"]?.first?.urlValue == "https://a/1.jpg")
        #expect(parsed.properties["checkin"]?.first?.objectValue?["type"] == .array([.string("h-card")]))
    }

    @Test("a malformed request is invalid_request with status 400")
    func malformed() {
        #expect(throws: MicropubError.invalidRequest("the body is not a JSON object")) {
            try MicropubParser.parseJSON(Data("[1,2]".utf8))
        }
        #expect(throws: MicropubError.self) { try MicropubParser.parseJSON(Data(#"{"properties":{}}"#.utf8)) }
        #expect(throws: MicropubError.self) {
            try MicropubParser.parseJSON(Data(#"{"action":"update","url":"u","replace":[1]}"#.utf8))
        }
        #expect(MicropubError.invalidRequest("x").status == 400)
    }

    @Test("slugs come from mp-slug, then name or content, else the time")
    func slugs() {
        let date = Date(timeIntervalSince1970: 0)
        #expect(PostBuilder.slug(for: MicropubCreate(properties: [:], commands: ["mp-slug": [.string("My Trip!")]]), published: date) == "my-trip")
        #expect(
            PostBuilder.slug(for: MicropubCreate(properties: ["content": [.string("Crème brûlée at noon")]]), published: date)
                == "creme-brulee-at-noon"
        )
        #expect(PostBuilder.slug(for: MicropubCreate(properties: [:]), published: date) == "19700101-000000")
    }

    @Test("published dates are read with or without a zone or fraction")
    func dates() {
        #expect(PostBuilder.parseDate("2024-05-01T10:00:00Z") == Date(timeIntervalSince1970: 1_714_557_600))
        #expect(PostBuilder.parseDate("2024-05-01T10:00:00.500+00:00") == Date(timeIntervalSince1970: 1_714_557_600.5))
        #expect(PostBuilder.parseDate("yesterday") == nil)
    }

    @Test("media URLs are ours only under the base URL with a valid id")
    func mediaURLs() {
        let urls = SiteURLs(base: "https://example.com/")
        #expect(urls.mediaId(fromURL: "https://example.com/media/abcdefghijklmnopqrst.jpg") == "abcdefghijklmnopqrst")
        #expect(urls.mediaId(fromURL: "https://elsewhere.com/media/abcdefghijklmnopqrst.jpg") == nil)
        #expect(urls.mediaId(fromURL: "https://example.com/media/r/abcdefghijklmnopqrst.jpg") == nil)
        #expect(urls.mediaId(fromURL: "https://example.com/media/short.jpg") == nil)
    }
}
