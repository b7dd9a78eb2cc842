import Foundation
import MicrocastCore
import TestSupport
import Testing

/// Moving a reading list between Microcast and any feed reader, as OPML.
@Suite("Following: the list in and out as OPML")
struct OPMLTests {
    @Test(
        "an OPML list from a feed reader is followed (folders, duplicates and bad entries handled); the export follows the same feeds on another site"
    )
    func roundTrip() async throws {
        try await FeedFollowerTests.site(FeedFollowerTests.Counts()) { peer in
            let list = """
                <?xml version="1.0" encoding="UTF-8"?>
                <opml version="1.0"><head><title>From my reader</title></head><body>
                <outline text="Blogs">
                  <outline type="rss" text="The Blog" xmlURL="\(peer.base)/blog/feed.xml" htmlUrl="\(peer.base)/blog"/>
                  <outline text="Nested"><outline type="rss" text="J" xmlUrl="\(peer.base)/feed.json"/></outline>
                </outline>
                <outline type="rss" text="Again" xmlUrl="\(peer.base)/blog/feed.xml"/>
                <outline type="rss" text="Script" xmlUrl="javascript:alert(1)"/>
                <outline type="rss" text="Gone" xmlUrl="\(peer.base)/nowhere.xml"/>
                </body></opml>
                """
            let file = try Fixtures.folder().appendingPathComponent("reader.opml")
            try Data(list.utf8).write(to: file)
            let exported = try Fixtures.folder().appendingPathComponent("microcast.opml")
            try await TestSite.run { first in
                let place = ["--data", first.data.path]
                let imported = try await Microcast.run(["following", "import", file.path, "--allow-private-fetch"] + place)
                #expect(imported.status == 0, "\(imported.errors)")
                #expect(imported.output.contains("[1/3] \(peer.base)/blog/feed.xml"), "progress per feed: \(imported.output)")
                #expect(imported.output.contains("not followed: \(peer.base)/nowhere.xml: ") && imported.output.contains("404"), "\(imported.output)")
                #expect(imported.output.contains("2 followed, 0 already followed, 1 failed"), "\(imported.output)")
                let feeds = try await first.store.follows().map(\.feed.url.absoluteString).sorted()
                #expect(feeds == ["\(peer.base)/blog/feed.xml", "\(peer.base)/feed.json"])

                let written = try await Microcast.run(["following", "export", exported.path] + place)
                #expect(written.status == 0, "\(written.errors)")
                let outlines = try OPML.outlines(from: try Data(contentsOf: exported))
                #expect(outlines.map(\.feed.absoluteString).sorted() == feeds)
                #expect(outlines.contains { $0.title == "The Blog" }, "titles go along: \(outlines)")
            }
            try await TestSite.run { second in
                let place = ["--data", second.data.path]
                let imported = try await Microcast.run(["following", "import", exported.path, "--allow-private-fetch"] + place)
                #expect(imported.output.contains("2 followed, 0 already followed, 0 failed"), "\(imported.output) \(imported.errors)")
                #expect(try await second.store.timeline(limit: 10, before: nil).count == 2, "each feed's entry is in the new site's timeline")
                let again = try await Microcast.run(["following", "import", exported.path, "--allow-private-fetch"] + place)
                #expect(again.output.contains("0 followed, 2 already followed, 0 failed"), "\(again.output)")
                let notOPML = try await Microcast.run(["following", "import", #filePath, "--allow-private-fetch"] + place)
                #expect(notOPML.status != 0 && notOPML.errors.contains("cannot be read as OPML"), "\(notOPML.errors)")
            }
        }
    }

    @Test("an address typed without https:// at a site without https says to follow it with http://")
    func assumedHTTPS() async throws {
        try await FeedFollowerTests.site(FeedFollowerTests.Counts()) { peer in
            try await TestSite.run { site in
                let bare = String(peer.base.dropFirst("http://".count)) + "/blog"
                let tried = try await Microcast.run(["follow", bare, "--allow-private-fetch", "--data", site.data.path])
                #expect(tried.status != 0)
                #expect(tried.errors.contains("could not be read over https") && tried.errors.contains("follow http://\(bare)"), "\(tried.errors)")
            }
        }
    }
}
