import Foundation
import MicrocastCore
import Testing

@Suite("Conversation rules")
struct ConversationRulesTests {
    let urls = SiteURLs(base: "https://me.example")

    @Test(
        "only public unicast addresses may be fetched, IPv4 inside IPv6 judged as IPv4",
        arguments: [
            ("127.0.0.1", false), ("10.0.0.1", false), ("172.16.5.4", false), ("192.168.1.1", false), ("169.254.169.254", false),
            ("100.64.0.1", false), ("0.0.0.0", false), ("224.0.0.1", false), ("255.255.255.255", false), ("::1", false), ("::", false),
            ("[::1]", false), ("::ffff:127.0.0.1", false), ("[::ffff:127.0.0.1]", false), ("::ffff:10.0.0.1", false), ("fe80::1", false),
            ("fd00:ec2::254", false), ("ff02::1", false), ("64:ff9b::7f00:1", false), ("2002:7f00:1::", false),
            // Issue 25: every IPv6 form that can carry a private IPv4 address, tunnels included.
            ("::ffff:0:7f00:1", false), ("::ffff:0:a00:1", false), ("64:ff9b::a9fe:a9fe", false), ("64:ff9b:1::7f00:1", false),
            ("64:ff9b:1:ffff::808:808", false), ("2002:a00:1::1", false), ("2002:c0a8:101::", false),
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", false), ("2001::1", false),
            ("93.184.216.34", true), ("8.8.8.8", true), ("2606:4700:4700::1111", true), ("::ffff:8.8.8.8", true),
            ("64:ff9b::808:808", true), ("2002:808:808::1", true), ("2001:4860:4860::8888", true),
        ]
    )
    func addresses(_ text: String, allowed: Bool) throws {
        let address = try #require(AddressPolicy.Address(text))
        #expect((AddressPolicy.refusal(address) == nil) == allowed, "\(text): \(AddressPolicy.refusal(address) ?? "public")")
    }

    @Test("a Webmention's synchronous checks: http(s) URLs, different, the target a published post of ours")
    func requestChecks() throws {
        func check(_ source: String, _ target: String, published: Bool = true) -> String? {
            do {
                _ = try WebmentionRequest(form: ["source": source, "target": target], urls: urls) { published ? $0 : nil }
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(check("https://a.example/reply", "https://me.example/posts/hello") == nil)
        #expect(check("https://a.example/reply", "https://me.example/posts/hello#comments") == nil)
        #expect(check("https://me.example/posts/hello", "https://me.example/posts/hello")?.contains("same") == true)
        #expect(check("https://me.example/posts/hello#x", "https://me.example/posts/hello")?.contains("same") == true)
        #expect(check("ftp://a.example/x", "https://me.example/posts/hello")?.contains("source") == true)
        #expect(check("https://a.example/x", "javascript:alert(1)")?.contains("target") == true)
        #expect(check("https://a.example/x", "https://other.example/posts/hello")?.contains("not a published post") == true)
        #expect(check("https://a.example/x", "https://me.example/posts/hello", published: false)?.contains("not a published post") == true)
        #expect(check("", "https://me.example/posts/hello")?.contains("source is missing") == true)
    }

    @Test("moderation: first-time senders wait, approved domains (and their subdomains) show, blocked ones never")
    func policy() {
        var settings = Settings()
        settings[.mentionDomain("Friend.example")] = "approved"
        settings[.mentionDomain("spam.example")] = "blocked"
        var policy = MentionPolicy(settings: settings)
        #expect(policy.state(forVerifiedFrom: "stranger.example") == .held)
        #expect(policy.state(forVerifiedFrom: "friend.example") == .shown)
        #expect(policy.state(forVerifiedFrom: "www.friend.example") == .shown)
        #expect(policy.isBlocked("a.spam.example") && policy.state(forVerifiedFrom: "spam.example") == .rejected)
        policy.moderation = .none
        #expect(policy.state(forVerifiedFrom: "stranger.example") == .shown)
        policy.moderation = .all
        #expect(policy.state(forVerifiedFrom: "friend.example") == .held)
    }

    @Test("a source is read by its microformats: the response kind, the author by the authorship rules, the text sanitised")
    func reading() throws {
        let target = URL(string: "https://me.example/posts/hello")!
        let source = URL(string: "https://friend.example/replies/1")!
        let reply = try #require(
            MentionReader.read(
                html: """
                    <div class="h-entry"><a class="u-in-reply-to" href="https://me.example/posts/hello">re</a>
                    <div class="e-content">Great <b>episode</b>!<script>alert(1)</script><img src="x.png"></div>
                    <time class="dt-published" datetime="2026-12-01T10:00:00Z"></time>
                    <span class="p-author h-card"><img class="u-photo" src="/me.jpg" alt=""><a class="p-name u-url" href="https://friend.example/">Fran</a></span></div>
                    """,
                source: source,
                target: target
            )
        )
        #expect(reply.kind == .reply)
        #expect(reply.author == MentionAuthor(name: "Fran", url: "https://friend.example/", remotePhoto: "https://friend.example/me.jpg"))
        #expect(reply.contentHTML == "Great <b>episode</b>!")
        #expect(reply.published == Date(timeIntervalSince1970: 1_796_119_200))

        let like = try #require(
            MentionReader.read(
                html:
                    #"<div class="h-entry"><a class="u-like-of" href="https://me.example/posts/hello">liked</a></div><div class="h-card"><a class="p-name u-url" href="https://friend.example/">Fran</a></div>"#,
                source: source,
                target: target
            )
        )
        #expect(like.kind == .like && like.author.name == "Fran")

        let plainLink = MentionReader.read(html: #"<p>See <a href="https://me.example/posts/hello">this</a></p>"#, source: source, target: target)
        #expect(plainLink?.kind == .mention)
        #expect(MentionReader.read(html: #"<p>https://me.example/posts/hello as text only</p>"#, source: source, target: target) == nil)
        #expect(MentionReader.read(html: #"<!-- <a href="https://me.example/posts/hello"></a> -->"#, source: source, target: target) == nil)
    }

    @Test("a post sends to the pages its text links and the ones it answers, never to our own site, each once")
    func outgoing() {
        let post = Post(
            slug: "p",
            properties: [
                "in-reply-to": [.string("https://friend.example/a")],
                "like-of": [
                    .object(["type": .array([.string("h-cite")]), "properties": .object(["url": .array([.string("https://b.example/x")])])])
                ],
            ],
            published: Date()
        )
        let content =
            #"<p><a href="https://friend.example/a#frag">again</a> <a href="/posts/other">ours</a> <a href="https://me.example/posts/q">ours</a> <a href="mailto:x@y">mail</a> <a href="https://c.example/">c</a></p>"#
        #expect(
            OutgoingLinks.targets(of: post, contentHTML: content, urls: urls) == [
                "https://friend.example/a", "https://b.example/x", "https://c.example/",
            ]
        )
    }
}
