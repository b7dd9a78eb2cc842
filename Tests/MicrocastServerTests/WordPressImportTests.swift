import Foundation
import Hummingbird
import MicrocastCore
import NIOCore
import TestSupport
import Testing

/// `microcast import wordpress`, run as the built binary on an export shaped
/// like WordPress's own (WXR 1.2), with some images in a copied uploads folder
/// and the rest on the old site, played by a loopback server.
@Suite("Importing a WordPress site")
struct WordPressImportTests {
    static func export(old: String) -> String {
        func attachment(_ id: Int, _ name: String) -> String {
            """
            <item><title>\(name)</title><wp:post_id>\(id)</wp:post_id><wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
            <wp:attachment_url>\(old)/wp-content/uploads/2019/05/\(name)</wp:attachment_url></item>
            """
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" \
            xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
            <channel>
            <title>Bakery Notes</title><link>\(old)</link><wp:wxr_version>1.2</wp:wxr_version>
            <wp:base_site_url>\(old)</wp:base_site_url><wp:base_blog_url>\(old)</wp:base_blog_url>
            \(attachment(10, "loaf.png"))
            \(attachment(11, "rye.png"))
            \(attachment(12, "crumb.png"))
            <item>
              <title>Sourdough</title><link>\(old)/2019/05/sourdough/</link><pubDate>Fri, 03 May 2019 10:00:00 +0000</pubDate>
              <dc:creator><![CDATA[ada]]></dc:creator><guid isPermaLink="false">\(old)/?p=1</guid>
              <content:encoded><![CDATA[First we feed the starter.

            Then <a href="\(old)/wp-content/uploads/2019/05/rye.png"><img src="\(old)/wp-content/uploads/2019/05/rye-300x200.png" alt="Rye loaf" /></a> comes out.

            [gallery ids="11,12"]]]></content:encoded>
              <excerpt:encoded><![CDATA[]]></excerpt:encoded>
              <wp:post_id>1</wp:post_id><wp:post_date>2019-05-03 12:00:00</wp:post_date><wp:post_date_gmt>2019-05-03 10:00:00</wp:post_date_gmt>
              <wp:post_name>sourdough</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
              <category domain="category" nicename="baking"><![CDATA[Baking]]></category>
              <category domain="post_tag" nicename="bread"><![CDATA[bread]]></category>
              <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value><![CDATA[10]]></wp:meta_value></wp:postmeta>
              <wp:comment><wp:comment_id>5</wp:comment_id><wp:comment_author><![CDATA[Ann]]></wp:comment_author>
                <wp:comment_author_url>https://ann.example/</wp:comment_author_url><wp:comment_date_gmt>2019-05-04 08:00:00</wp:comment_date_gmt>
                <wp:comment_content><![CDATA[Lovely crumb!

            <script>alert(1)</script>Mine never rises.]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type></wp:comment_type></wp:comment>
              <wp:comment><wp:comment_id>6</wp:comment_id><wp:comment_author>Spam</wp:comment_author><wp:comment_date_gmt>2019-05-04 09:00:00</wp:comment_date_gmt>
                <wp:comment_content>Buy now</wp:comment_content><wp:comment_approved>0</wp:comment_approved></wp:comment>
              <wp:comment><wp:comment_id>7</wp:comment_id><wp:comment_author>A blog</wp:comment_author><wp:comment_date_gmt>2019-05-04 09:00:00</wp:comment_date_gmt>
                <wp:comment_content>Linked</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type>pingback</wp:comment_type></wp:comment>
            </item>
            <item>
              <title>Unfinished</title><link>\(old)/?p=2</link><wp:post_id>2</wp:post_id><wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>
              <wp:post_date>2019-06-01 09:00:00</wp:post_date><wp:post_name></wp:post_name><wp:status>draft</wp:status><wp:post_type>post</wp:post_type>
              <content:encoded><![CDATA[Notes for later.]]></content:encoded>
            </item>
            <item>
              <title>About</title><link>\(old)/about/</link><wp:post_id>3</wp:post_id><wp:post_date_gmt>2019-01-01 00:00:00</wp:post_date_gmt>
              <wp:post_name>about</wp:post_name><wp:status>publish</wp:status><wp:post_type>page</wp:post_type>
              <content:encoded><![CDATA[<!-- wp:paragraph --><p>We bake.</p><!-- /wp:paragraph -->]]></content:encoded>
            </item>
            <item>
              <title>Old junk</title><wp:post_id>4</wp:post_id><wp:status>trash</wp:status><wp:post_type>post</wp:post_type>
            </item>
            </channel></rss>
            """
    }

    @Test("posts, a draft and a page arrive with their images processed and the content rewritten, comments as replies, old paths redirected")
    func importsExport() async throws {
        let folder = try Fixtures.folder()
        let uploads = folder.appendingPathComponent("uploads/2019/05", isDirectory: true)
        try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
        _ = try await Fixtures.png(in: uploads, name: "rye.png", size: "640x400")
        let loaf = try Data(contentsOf: try await Fixtures.png(in: folder, name: "loaf.png", size: "800x600"))
        let crumb = try Data(contentsOf: try await Fixtures.png(in: folder, name: "crumb.png", size: "500x500"))
        try await PeerServer.run { router, _, received in
            router.get("/") { _, _ in PeerServer.html("Bakery") }
            router.get("/wp-content/uploads/2019/05/{name}") { request, context in
                await received.add(.init(path: request.uri.path, query: nil, form: [:]))
                let data = ["loaf.png": loaf, "crumb.png": crumb][context.parameters.get("name") ?? ""]
                guard let data else { return Response(status: .notFound) }
                return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        } body: { old in
            let export = folder.appendingPathComponent("bakery.WordPress.2024-01-01.xml")
            try Data(Self.export(old: old.base).utf8).write(to: export)
            try await TestSite.run { site in
                let command =
                    [
                        "import", "wordpress", "--data", site.data.path, "--base-url", site.base, "--allow-private-fetch",
                        "--uploads", folder.appendingPathComponent("uploads").path, export.path,
                    ] + site.databaseArguments
                let first = try await Microcast.run(command)
                #expect(first.status == 0, "\(first.errors)")
                #expect(first.errors.contains("3 posts imported, 0 already here"), "\(first.errors)")
                #expect(first.errors.contains("Old junk: trash, not imported"), "\(first.errors)")
                let fetched = await old.received.posts.map(\.path)
                #expect(!fetched.contains { $0.hasSuffix("rye.png") || $0.contains("rye-") }, "rye came from the uploads folder: \(fetched)")

                let posts = try await site.store.allPosts(limit: 10, offset: 0)
                #expect(posts.count == 3)
                let sourdough = try #require(posts.first { $0.slug == "sourdough" })
                let html = sourdough.properties["content"]?.first?.objectValue?["html"]?.stringValue ?? ""
                #expect(!html.contains("wp-content") && !html.contains("[gallery"), "every image is ours: \(html)")
                #expect(html.components(separatedBy: "src=\"\(site.base)/media/").count - 1 == 3, "rye and the two gallery images: \(html)")
                #expect(html.contains(#"alt="Rye loaf""#))
                #expect(sourdough.strings("photo").first?.hasPrefix(site.base + "/media/") == true, "the featured image")
                #expect(sourdough.strings("category") == ["Baking", "bread"])
                #expect(sourdough.published == Date(timeIntervalSince1970: 1_556_877_600))
                let media = try await site.store.recentMedia(limit: 20, offset: 0)
                #expect(
                    media.count == 3 && media.allSatisfy { $0.kind == .photo && $0.state == .ready },
                    "rye, crumb and the loaf, each once, processed"
                )
                #expect(posts.first { $0.strings("name") == ["Unfinished"] }?.status == .draft)
                #expect(posts.contains { $0.slug == "about" && $0.status == .published })

                let replies = try await site.store.mentions(postSlug: "sourdough", states: [.shown])
                #expect(replies.count == 1, "approved comments only, no pingbacks")
                #expect(replies.first?.author.name == "Ann" && replies.first?.contentHTML.contains("Mine never rises.") == true)
                #expect(replies.first?.contentHTML.contains("script") == false)
                let page = try await site.get("/posts/sourdough")
                #expect(page.text.contains("Lovely crumb!"), "the comment shows under the post")

                for (path, target) in [("/2019/05/sourdough/", "/posts/sourdough"), ("/?p=1", "/posts/sourdough"), ("/about", "/posts/about")] {
                    let moved = try await site.get(path)
                    #expect(moved.status == .movedPermanently && moved.headers.first(name: "location") == site.base + target, "\(path)")
                }
                #expect(try await site.get("/").status == .ok, "the home page is still the home page")

                let second = try await Microcast.run(command)
                #expect(second.errors.contains("0 posts imported, 3 already here"), "\(second.errors)")
                #expect(try await site.store.allPosts(limit: 10, offset: 0).count == 3)
                #expect(try await site.store.mentions(postSlug: "sourdough", states: [.shown]).count == 1)
            }
        }
    }
}
