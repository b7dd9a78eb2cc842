import Foundation
import Glibc
import Hummingbird
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// `javascript:` and other non-web URLs chosen by strangers (issue 25): a
/// Micropub client's response and syndication properties, a Webmention
/// source's `u-url`, its author's `u-url` and `u-photo`. None may become a
/// link, on the live site or in the static export, which has no header of
/// its own to stop one; Chromium clicks what a reader could.
@Suite("Hostile links")
struct HostileLinkTests {
    static let hostile = [
        "javascript:alert(document.domain)", " JaVaScRiPt:alert(1)", "java\tscript:alert(2)", "data:text/html,<script>alert(3)</script>",
    ]

    @Test("links from a Micropub post and an approved mention are http(s) or plain text, live and exported; Chromium opens no dialog")
    func noScriptLinks() async throws {
        try await PeerServer.run { router, _, _ in
            router.get("/reply") { request, _ in
                let target = request.uri.queryParameters.get("t") ?? ""
                return PeerServer.html(
                    """
                    <div class="h-entry"><a class="u-url" href="javascript:alert('u-url')">permalink</a>
                    <a class="u-in-reply-to" href="\(target)">re</a>
                    <a class="p-author h-card" href="javascript:alert('author')"><img class="u-photo" src="javascript:alert('photo')" alt="">Mallory</a>
                    <p class="e-content">A reply with <a href="javascript:alert('content')">a trick</a></p></div>
                    """
                )
            }
        } body: { peer in
            try await TestSite.run(configure: Webmentions.allowPrivate) { site in
                let token = try await site.token("create")
                let conversations = Webmentions.self
                let fields =
                    [("h", "entry"), ("content", "Answering tricks")]
                    + Self.hostile.flatMap { url in [("in-reply-to", url), ("like-of", url), ("syndication", url), ("photo", url)] }
                    + [("syndication", "https://social.example/@me/1")]
                let post = try await conversations.createPost(on: site, token: token, fields)
                let encoded = post.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? post
                let sent = try await conversations.sendWebmention(to: site, source: peer.base + "/reply?t=\(encoded)", target: post)
                #expect(sent.status == .accepted)
                try await conversations.eventually("the reply is held for the owner") {
                    try await site.store.mentions(state: .held, limit: 10).count == 1
                }
                // The owner sees, before approving, which addresses would be links and which would not.
                let owner = try await OwnerSession.signIn(site)
                let review = try await site.get("/studio/mentions", headers: [owner.cookie]).text
                #expect(review.contains("not linked: only http and https addresses are"), "\(review)")
                let held = try #require(try await site.store.mentions(state: .held, limit: 10).first)
                _ = try await conversations.microcast(["mentions", "approve", held.id, "--data", site.data.path])

                // The static export, served by a plain static host.
                let (export, reservation) = try StaticExport.reserve()
                defer { close(reservation) }
                try await export.export(site)
                let headersFile = try String(contentsOf: export.folder.appendingPathComponent("_headers"), encoding: .utf8)
                #expect(headersFile.contains("Content-Security-Policy: default-src 'self'") && headersFile.contains("script-src"))
                try await export.serving {
                    let base = export.base
                    let exportedPost = post.replacingOccurrences(of: site.base, with: base)
                    let script = Repository.root.appendingPathComponent("Tests/Browser/hostile_links.py")
                    let result = try await Fixtures.runOffPool(
                        "python3",
                        [script.path, "live=\(post)", "exported=\(exportedPost)", "exportedHome=\(base)/"]
                    )
                    let report = try #require(try JSONSerialization.jsonObject(with: result) as? [String: [String: Any]])
                    for (name, page) in report {
                        #expect((page["risky"] as? [Any])?.isEmpty == true, "\(name): \(page["risky"] ?? "")")
                        #expect(page["alerts"] as? Int == 0, "\(name) opened a dialog")
                        #expect((page["csp"] as? String)?.contains("script-src") == true, "\(name) carries its policy in the page")
                    }
                    let text = try #require(report["exported"]?["text"] as? String)
                    #expect(text.contains("Mallory") && text.contains("A reply with a trick"), "the reply is shown, as text where it cannot link")
                    #expect(text.contains("In reply to javascript:alert(document.domain)"), "a response URL that cannot be linked is shown as text")
                    #expect(text.contains("social.example"), "a real syndication link is kept")
                }
                // The feeds carry no such URL either.
                for feed in ["/feed.xml", "/feed.json"] {
                    let body = try await site.get(feed).text.lowercased()
                    #expect(!body.contains("javascript:") && !body.contains("data:text/html"), "\(feed)")
                }
            }
        }
    }
}
