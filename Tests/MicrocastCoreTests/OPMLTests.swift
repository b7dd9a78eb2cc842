import Foundation
import MicrocastCore
import Testing

@Suite("OPML subscription lists")
struct OPMLDocumentTests {
    @Test("a written list reads back the same: feeds, titles, pages, in order, with text escaped")
    func roundTrip() throws {
        let outlines = [
            OPML.Outline(
                feed: URL(string: "https://a.example/feed.xml")!,
                title: "Ann & \"Co\" <news>",
                homePage: URL(string: "https://a.example/")!
            ),
            OPML.Outline(feed: URL(string: "https://b.example/feed.json")!),
        ]
        let document = OPML.document(outlines, title: "Followed", created: Date(timeIntervalSince1970: 0))
        #expect(document.contains(#"<opml version="2.0">"#) && document.contains("<dateCreated>Thu, 01 Jan 1970 00:00:00 "))
        let read = try OPML.outlines(from: Data(document.utf8))
        #expect(read.map(\.feed) == outlines.map(\.feed))
        #expect(read[0].title == "Ann & \"Co\" <news>" && read[0].homePage == outlines[0].homePage)
        #expect(read[1].title == "https://b.example/feed.json", "an untitled feed is named by its address")
    }

    @Test("folders are flattened in order, each feed once, only http(s) kept; folders and notes are not feeds")
    func reading() throws {
        let list = """
            <opml version="1.1"><body>
            <outline text="News"><outline xmlurl=" https://n.example/rss " title="N"/><outline text="Deeper"><outline xmlUrl="https://d.example/atom"/></outline></outline>
            <outline xmlUrl="https://n.example/rss"/><outline xmlUrl="javascript:alert(1)"/><outline xmlUrl="file:///etc/passwd"/><outline text="a note"/>
            <outline xmlUrl="http://p.example/feed"/>
            </body></opml>
            """
        let read = try OPML.outlines(from: Data(list.utf8))
        #expect(read.map(\.feed.absoluteString) == ["https://n.example/rss", "https://d.example/atom", "http://p.example/feed"])
        #expect(read[0].title == "N")
    }

    @Test("not OPML, entities, or more feeds than the limit: refused with a reason")
    func refused() {
        #expect(throws: OPML.Unreadable.self) { try OPML.outlines(from: Data("<rss><channel/></rss>".utf8)) }
        #expect(throws: OPML.Unreadable.self) { try OPML.outlines(from: Data("not xml at all".utf8)) }
        let bomb = #"<!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body><outline xmlUrl="https://e.example/&a;"/></body></opml>"#
        #expect(throws: OPML.Unreadable.self) { try OPML.outlines(from: Data(bomb.utf8)) }
        let many = (0...OPML.limit).map { #"<outline xmlUrl="https://x.example/\#($0)"/>"# }.joined()
        #expect(throws: OPML.Unreadable.self) { try OPML.outlines(from: Data("<opml><body>\(many)</body></opml>".utf8)) }
    }
}
