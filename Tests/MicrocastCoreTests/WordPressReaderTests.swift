import Foundation
import Testing

@testable import MicrocastCore

/// Reading a WordPress export: pure, with a stand-in for the uploads folder.
@Suite("WordPress export reading")
struct WordPressReaderTests {
    @Test("a sized copy names its original; the uploads folder is used when it holds the file, never outside it")
    func originals() {
        let sized = URL(string: "https://old.example/wp-content/uploads/2019/05/rye-300x200.png?ver=2")!
        #expect(WordPressReader.original(of: sized).absoluteString == "https://old.example/wp-content/uploads/2019/05/rye.png")
        let plain = URL(string: "https://old.example/wp-content/uploads/2019/05/pain-de-mie.jpg")!
        #expect(WordPressReader.original(of: plain) == plain)
        let reader = WordPressReader(uploads: URL(fileURLWithPath: "/srv/uploads", isDirectory: true)) { $0 == "/srv/uploads/2019/05/rye.png" }
        #expect(reader.source(for: WordPressReader.original(of: sized), sized: sized) == .file(URL(fileURLWithPath: "/srv/uploads/2019/05/rye.png")))
        #expect(reader.source(for: plain) == .url(plain))
        let escape = URL(string: "https://old.example/wp-content/uploads/../../etc/passwd")!
        let everything = WordPressReader(uploads: URL(fileURLWithPath: "/srv/uploads", isDirectory: true)) { _ in true }
        #expect(everything.source(for: escape) == .url(escape))
    }

    @Test("classic text gets its paragraphs; galleries become their images; the first audio is the recording")
    func content() {
        #expect(WordPressReader.paragraphs("One\nline.\n\nTwo.") == "<p>One<br>\nline.</p>\n<p>Two.</p>")
        #expect(WordPressReader.paragraphs("<!-- wp:paragraph --><p>Block.</p>") == "<!-- wp:paragraph --><p>Block.</p>")
        let reader = WordPressReader(uploads: nil)
        let attachments = ["11": URL(string: "https://old.example/a.jpg")!, "12": URL(string: "https://old.example/b.jpg")!]
        #expect(
            reader.expandGalleries(#"<p>x</p>[gallery columns="2" ids="11, 12"]"#, attachments: attachments)
                == #"<p>x</p><img src="https://old.example/a.jpg" alt=""><img src="https://old.example/b.jpg" alt="">"#
        )
        #expect(reader.recording(in: #"[audio mp3="https://old.example/ep.mp3"][/audio]"#, base: nil)?.absoluteString == "https://old.example/ep.mp3")
        #expect(
            reader.recording(
                in: #"<figure class="wp-block-audio"><audio controls src="/ep2.mp3"></audio></figure>"#,
                base: URL(string: "https://old.example/post/")
            )?
            .absoluteString == "https://old.example/ep2.mp3"
        )
    }

    @Test("statuses: drafts, pending and private become drafts; trash and revisions stay behind; an export that is not WXR is refused")
    func statuses() throws {
        func item(_ id: Int, _ status: String, type: String = "post") -> String {
            "<item><title>T\(id)</title><wp:post_id>\(id)</wp:post_id><wp:status>\(status)</wp:status><wp:post_type>\(type)</wp:post_type>"
                + "<wp:post_date_gmt>2020-01-0\(id) 00:00:00</wp:post_date_gmt><content:encoded>Text \(id)</content:encoded></item>"
        }
        let xml = """
            <rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>S</title>
            <wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://old.example</wp:base_site_url>
            \(item(1, "publish"))\(item(2, "private"))\(item(3, "pending"))\(item(4, "trash"))\(item(5, "inherit", type: "revision"))\(item(6, "draft", type: "page"))
            </channel></rss>
            """
        let read = try WordPressReader(uploads: nil).read(Data(xml.utf8))
        #expect(read.items.map(\.title) == ["T1", "T2", "T3", "T6"])
        #expect(read.items.map { $0.create.command("mp-post-status") } == [nil, "draft", "draft", "draft"])
        #expect(read.items.first?.key == "wordpress:https://old.example 1")
        #expect(read.items.first?.oldURLs.map(\.absoluteString) == ["https://old.example?p=1"])
        #expect(read.skipped == ["T4: trash, not imported"])
        #expect(throws: WordPressReader.Failure.self) { try WordPressReader(uploads: nil).read(Data("<rss><channel></channel></rss>".utf8)) }
    }
}
