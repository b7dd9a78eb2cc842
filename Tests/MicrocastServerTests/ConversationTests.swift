import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// Webmention between real sites on loopback: two Microcast instances, and
/// peers that play the rest of the web. Outbound fetches to loopback are
/// allowed only where a test says so (`allowPrivateFetch`), as `serve
/// --allow-private-fetch` does.
@Suite("Conversations")
struct ConversationTests {
    static let link = HTTPField.Name("Link")!

    /// Whether the peer's `/changing` page still links its target.
    actor Changing {
        private(set) var linked = true
        func unlink() { linked = false }
    }
    static let changing = Changing()

    @Test(
        "a reply from one site appears on the other after approval with its author's name and photo, follows edits and deletion; likes and reposts show as such"
    )
    func twoSites() async throws {
        try await TestSite.run(configure: Webmentions.allowPrivate) { b in
            try await TestSite.run(configure: {
                Webmentions.allowPrivate(&$0)
                $0.services.authorName = "Alice Example"
            }) { a in
                let bToken = try await b.token("create update delete")
                let aToken = try await a.token("create update delete")
                let post = try await Webmentions.createPost(on: b, token: bToken, [("content", "Episode notes: what do you think?")])
                // Both pages advertise the endpoint, in the header and the page.
                let page = try await b.get(post)
                #expect(page.headers.first(name: "link")?.contains("<\(b.base)/webmention>; rel=\"webmention\"") == true)
                #expect(page.text.contains("<link rel=\"webmention\" href=\"\(b.base)/webmention\">"))

                let reply = try await Webmentions.createPost(on: a, token: aToken, [("content", "Great episode, thank you!"), ("in-reply-to", post)])
                try await Webmentions.eventually("B holds A's reply for approval") {
                    try await b.store.mentions(state: .held, limit: 10).count == 1
                }
                #expect(try await b.get(post).text.contains("Great episode") == false, "a first-time sender waits for approval")
                try await Webmentions.eventually("A records the Webmention as sent") {
                    try await a.store.sentMentions(postSlug: URL(string: reply)!.lastPathComponent).first?.outcome == .sent
                }

                // The owner approves on the command line, as docs/conversations.md says.
                let listed = try await Webmentions.microcast(["mentions", "list", "--state", "held", "--data", b.data.path] + b.databaseArguments)
                let id = try #require(listed.split(separator: "\n").dropFirst().first?.split(separator: "\t").first.map(String.init))
                _ = try await Webmentions.microcast(["mentions", "approve", id, "--data", b.data.path] + b.databaseArguments)

                let shown = try await b.get(post).text
                #expect(shown.contains("Great episode, thank you!"))
                #expect(shown.contains("Alice Example"))
                #expect(shown.contains("1 reply"))
                // The author's photo is ours to serve; readers never load it from A.
                let avatar = try #require(
                    shown.range(of: #"src="[^"]*/media/r/avatar\.[0-9a-f]+\.jpg""#, options: .regularExpression).map {
                        String(shown[$0].dropFirst(5).dropLast())
                    }
                )
                #expect(avatar.hasPrefix(b.base))
                #expect(!shown.contains(a.base + "/media/"), "nothing on B's page loads from A")
                let photo = try await b.get(avatar)
                #expect(photo.status == .ok && photo.headers.first(name: "content-type") == "image/jpeg")
                // Feed readers and IndieWeb tools see the reply as a comment.
                let entry = try await b.pageEntry(post)
                let comment = try #require((entry["comment"] as? [[String: Any]])?.first)
                #expect(comment["type"] as? [String] == ["h-cite"])
                let properties = comment["properties"] as? [String: Any] ?? [:]
                #expect(((properties["content"] as? [[String: Any]])?.first?["value"] as? String)?.contains("Great episode") == true)
                let author = (properties["author"] as? [[String: Any]])?.first?["properties"] as? [String: Any]
                #expect(author?["name"] as? [String] == ["Alice Example"])

                // An edit on A is sent again and B shows the new text.
                let update = #"{"action":"update","url":"\#(reply)","replace":{"content":["Great episode. Edited: the second half was best."]}}"#
                #expect(try await a.postJSON(update, token: aToken).status == .noContent)
                try await Webmentions.eventually("B shows the edited reply") { try await b.get(post).text.contains("the second half was best") }

                // A like and a repost from an approved site appear at once, as such.
                _ = try await Webmentions.createPost(on: a, token: aToken, [("like-of", post)])
                _ = try await Webmentions.createPost(on: a, token: aToken, [("repost-of", post)])
                try await Webmentions.eventually("B shows a like and a repost") {
                    let text = try await b.get(post).text
                    return text.contains("1 like") && text.contains("1 repost")
                }
                let withResponses = try await b.pageEntry(post)
                #expect((withResponses["like"] as? [Any])?.count == 1 && (withResponses["repost"] as? [Any])?.count == 1)
                #expect(try await b.get("/").text.contains("1 reply · 1 like · 1 repost"))
                // A static export of B carries the conversation and its own copy of the photo.
                let exported = try Fixtures.folder().appendingPathComponent("site")
                _ = try await Webmentions.microcast(["export", "--data", b.data.path, exported.path] + b.databaseArguments)
                let avatarName = URL(string: avatar)!.lastPathComponent
                #expect(FileManager.default.fileExists(atPath: exported.appendingPathComponent("media/r/\(avatarName)").path))

                // A's reply cites B's post by its text, fetched when the Webmention was sent.
                #expect(try await a.get(reply).text.contains("u-in-reply-to h-cite"))

                // A deletes the reply: B learns of it (A's post answers 410) and takes it down.
                let delete = #"{"action":"delete","url":"\#(reply)"}"#
                #expect(try await a.postJSON(delete, token: aToken).status == .noContent)
                try await Webmentions.eventually("B removes the deleted reply") { try await !b.get(post).text.contains("the second half was best") }
                #expect(try await b.get(post).text.contains("1 reply") == false)
            }
        }
    }

    @Test("the sender finds the endpoint in each of the specification's discovery cases")
    func discovery() async throws {
        try await PeerServer.run { router, base, received in
            let record = PeerServer.recordingEndpoint(received)
            @Sendable func page(_ body: String, headers: HTTPFields = [:]) -> Response { PeerServer.html(body, headers: headers) }
            @Sendable func header(_ value: String) -> HTTPFields { [ConversationTests.link: value] }
            router.get("/") { _, _ in page("home") }
            router.get("/test/1") { _, _ in page("1", headers: header("</test/1/webmention>; rel=webmention")) }
            router.get("/test/2") { _, _ in page("2", headers: header("<\(base)/test/2/webmention>; rel=webmention")) }
            router.get("/test/3") { _, _ in page(#"<link rel="webmention" href="/test/3/webmention">"#) }
            router.get("/test/4") { _, _ in page(#"<link rel="webmention" href="\#(base)/test/4/webmention">"#) }
            router.get("/test/5") { _, _ in page(#"<a rel="webmention" href="/test/5/webmention">x</a>"#) }
            router.get("/test/6") { _, _ in page(#"<a rel="webmention" href="\#(base)/test/6/webmention">x</a>"#) }
            router.get("/test/7") { _, _ in
                page("7", headers: [HTTPField.Name("LinK")!: "<\(base)/test/7/webmention>; rel=webmention"])
            }
            router.get("/test/8") { _, _ in page("8", headers: header("<\(base)/test/8/webmention>; rel=\"webmention\"")) }
            router.get("/test/9") { _, _ in page(#"<link rel="webmention somethingelse" href="/test/9/webmention">"#) }
            router.get("/test/10") { _, _ in page("10", headers: header("</test/10/webmention>; rel=\"webmention somethingelse\"")) }
            router.get("/test/11") { _, _ in
                page(
                    #"<link rel="webmention" href="/test/11/wrong"><a rel="webmention" href="/test/11/wrong">x</a>"#,
                    headers: header("</test/11/webmention>; rel=webmention")
                )
            }
            router.get("/test/12") { _, _ in
                page(#"<link rel="not-webmention" href="/test/12/wrong"><link rel="webmention" href="/test/12/webmention">"#)
            }
            router.get("/test/13") { _, _ in
                page(#"<!-- <link rel="webmention" href="/test/13/wrong"> --><link rel="webmention" href="/test/13/webmention">"#)
            }
            router.get("/test/14") { _, _ in
                page(#"<code>&lt;a href="/test/14/wrong" rel="webmention"&gt;&lt;/a&gt;</code><a href="/test/14/webmention" rel="webmention">x</a>"#)
            }
            router.get("/test/15") { _, _ in page(#"<link rel="webmention" href="">"#) }
            router.post("/test/15", use: record)
            router.get("/test/16") { _, _ in
                page(#"<a rel="webmention" href="/test/16/webmention">x</a><link rel="webmention" href="/test/16/wrong">"#)
            }
            router.get("/test/17") { _, _ in
                page(#"<link rel="webmention" href="/test/17/webmention"><a rel="webmention" href="/test/17/wrong">x</a>"#)
            }
            router.get("/test/18") { _, _ in
                var fields: HTTPFields = [:]
                fields.append(HTTPField(name: ConversationTests.link, value: "</test/18/wrong>; rel=\"other\""))
                fields.append(HTTPField(name: ConversationTests.link, value: "</test/18/webmention>; rel=\"webmention\""))
                return page("18", headers: fields)
            }
            router.get("/test/19") { _, _ in page("19", headers: header("</test/19/wrong>; rel=\"other\", </test/19/webmention>; rel=\"webmention\""))
            }
            router.get("/test/20") { _, _ in page(#"<link rel="webmention"><a rel="webmention" href="/test/20/webmention">x</a>"#) }
            router.get("/test/21") { _, _ in page(#"<link rel="webmention" href="/test/21/webmention?query=yes">"#) }
            router.get("/test/22") { _, _ in page(#"<link rel="webmention" href="22/webmention">"#) }
            router.get("/test/23") { _, _ in Response(status: .found, headers: [.location: "/test/23/page"]) }
            router.get("/test/23/page") { _, _ in page(#"<link rel="webmention" href="webmention-endpoint">"#) }
            router.post("/test/23/webmention-endpoint", use: record)
            router.post("/test/{n}/webmention", use: record)
            router.post("/test/{n}/wrong", use: record)
        } body: { peer in
            try await TestSite.run(configure: Webmentions.allowPrivate) { site in try await checkDiscovery(site: site, peer: peer) }
        }
    }

    func checkDiscovery(site: TestSite, peer: PeerServer) async throws {
        let token = try await site.token("create")
        let links = (1...23).map { "<a href='\(peer.base)/test/\($0)'>test \($0)</a>" }.joined(separator: " ")
        let reply = try await site.postJSON(#"{"type":["h-entry"],"properties":{"content":[{"html":"\#(links)"}]}}"#, token: token)
        let post = try #require(reply.headers.first(name: "location"))
        try await Webmentions.eventually("every target has a result") {
            try await site.store.sentMentions(postSlug: URL(string: post)!.lastPathComponent).count == 23
        }
        let posts = await peer.received.posts
        #expect(!posts.contains { $0.path.hasSuffix("/wrong") }, "\(posts.map(\.path))")
        let expected: [Int: String] = [15: "/test/15", 23: "/test/23/webmention-endpoint"]
        for n in 1...23 {
            let path = expected[n] ?? "/test/\(n)/webmention"
            let hits = posts.filter { $0.path == path }
            #expect(hits.count == 1, "test \(n): \(path) got \(hits.count)")
            #expect(hits.first?.form["source"] == post && hits.first?.form["target"] == "\(peer.base)/test/\(n)")
        }
        #expect(posts.first { $0.path == "/test/21/webmention" }?.query == "query=yes")
        let results = try await site.store.sentMentions(postSlug: URL(string: post)!.lastPathComponent)
        #expect(results.allSatisfy { $0.outcome == .sent }, "\(results.filter { $0.outcome != .sent })")
    }

    @Test(
        "refused as the specification says, with nothing shown: same source and target, not our post, no link, a blocked domain, over 1 MB, a redirect loop"
    )
    func refusals() async throws {
        try await PeerServer.run { router, _, _ in
            router.get("/") { _, _ in PeerServer.html("home") }
            router.get("/nolink") { _, _ in PeerServer.html("<p>Nothing to see.</p>") }
            router.get("/huge/{target}") { request, _ in
                let target = request.uri.queryParameters.get("t") ?? ""
                return PeerServer.html(#"<a href="\#(target)">x</a>"# + String(repeating: "<p>padding padding padding</p>", count: 40_000))
            }
            router.get("/loop") { _, _ in Response(status: .found, headers: [.location: "/loop"]) }
            router.get("/changing") { request, _ in
                let target = request.uri.queryParameters.get("t") ?? ""
                return await ConversationTests.changing.linked
                    ? PeerServer.html(#"<div class="h-entry"><a class="u-in-reply-to" href="\#(target)">re</a> First thoughts</div>"#)
                    : PeerServer.html("<p>I took that back.</p>")
            }
            router.get("/links") { request, _ in
                PeerServer.html(
                    #"<div class="h-entry"><a class="u-in-reply-to" href="\#(request.uri.queryParameters.get("t") ?? "")">re</a> Buy now</div>"#
                )
            }
        } body: { peer in
            try await TestSite.run(configure: Webmentions.allowPrivate) { site in
                let token = try await site.token("create")
                let post = try await Webmentions.createPost(on: site, token: token, [("content", "Hello")])
                let encoded = post.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? post

                let same = try await Webmentions.sendWebmention(to: site, source: post, target: post)
                #expect(same.status == .badRequest && (same.json["error_description"] as? String)?.contains("same") == true)
                let notOurs = try await Webmentions.sendWebmention(to: site, source: peer.base + "/nolink", target: "https://example.org/posts/x")
                #expect(notOurs.status == .badRequest && notOurs.json["error"] as? String == "invalid_request")
                let missing = try await Webmentions.sendWebmention(to: site, source: peer.base + "/nolink", target: site.base + "/posts/no-such-post")
                #expect(missing.status == .badRequest)

                // The sender reads why; a fetch that failed says only that, and the owner reads the rest.
                let cases: [(source: String, reason: String, detail: String)] = [
                    (peer.base + "/nolink", "does not link", "does not link"),
                    (peer.base + "/huge/x?t=\(encoded)", "the source could not be fetched", "larger than"),
                    (peer.base + "/loop", "the source could not be fetched", "redirects"),
                ]
                var replies: [TestSite.Reply] = []
                for refusal in cases {
                    let reply = try await Webmentions.sendWebmention(to: site, source: refusal.source, target: post)
                    #expect(reply.status == .accepted)
                    replies.append(reply)
                }
                for (reply, refusal) in zip(replies, cases) {
                    try await Webmentions.eventually("\(refusal.source) is rejected") {
                        try await Webmentions.status(site, reply)["status"] as? String == "rejected"
                    }
                    #expect((try await Webmentions.status(site, reply)["detail"] as? String)?.contains(refusal.reason) == true, "\(refusal.source)")
                    let id = try #require(reply.headers.first(name: "location")?.split(separator: "/").last.map(String.init))
                    #expect(try await site.store.mention(id: id)?.ownerReason?.contains(refusal.detail) == true, "\(refusal.source)")
                }

                // A source that stops linking the target takes its mention down when it is sent again.
                let changing = peer.base + "/changing?t=\(encoded)"
                let first = try await Webmentions.sendWebmention(to: site, source: changing, target: post)
                try await Webmentions.eventually("the changing source is verified") {
                    try await Webmentions.status(site, first)["status"] as? String == "accepted"
                }
                let id = try #require(first.headers.first(name: "location")?.split(separator: "/").last.map(String.init))
                _ = try await Webmentions.microcast(["mentions", "approve", id, "--data", site.data.path] + site.databaseArguments)
                #expect(try await site.get(post).text.contains("First thoughts"))
                await ConversationTests.changing.unlink()
                #expect(try await Webmentions.sendWebmention(to: site, source: changing, target: post).status == .accepted)
                try await Webmentions.eventually("the unlinked mention is taken down") { try await !site.get(post).text.contains("First thoughts") }
                #expect(try await Webmentions.status(site, first)["status"] as? String == "rejected")

                // A blocked domain is still answered 202, and nothing it sends is shown.
                _ = try await Webmentions.microcast(["mentions", "block", "127.0.0.1", "--data", site.data.path] + site.databaseArguments)
                let blocked = try await Webmentions.sendWebmention(to: site, source: peer.base + "/links?t=\(encoded)", target: post)
                #expect(blocked.status == .accepted)
                try await Webmentions.eventually("the blocked sender's mention is rejected") {
                    try await Webmentions.status(site, blocked)["status"] as? String == "rejected"
                }
                let page = try await site.get(post).text
                #expect(!page.contains("Buy now") && !page.contains("class=\"conversation\""))
                #expect(try await site.store.mentions(state: .shown, limit: 10).isEmpty)
            }
        }
    }

    @Test("sources at loopback, private, link-local and mapped addresses, or named to resolve to one, are refused without connecting")
    func privateAddresses() async throws {
        let counter = try ConnectionCounter()
        defer { counter.close() }
        let v4 = try #require(counter.ports["127.0.0.1"])
        let v6 = try #require(counter.ports["::1"])
        // The counter does count: one connection of our own, then none from the server.
        // A plain TCP connect: an HTTP client may retry on the closed connection and count twice.
        try ConnectionCounter.connect(port: v4)
        try await Webmentions.eventually("the counter sees a direct connection") { counter.connections >= 1 }
        let baseline = counter.connections

        try await TestSite.run { site in
            let token = try await site.token("create")
            let post = try await Webmentions.createPost(on: site, token: token, [("content", "Private parts")])
            let sources = [
                "http://127.0.0.1:\(v4)/a", "http://10.0.0.1/a", "http://169.254.169.254/latest/meta-data/", "http://[::1]:\(v6)/a",
                "http://[::ffff:127.0.0.1]:\(v4)/a", "http://localhost:\(v4)/a",
            ]
            var replies: [(String, TestSite.Reply)] = []
            for source in sources {
                let reply = try await Webmentions.sendWebmention(to: site, source: source, target: post)
                #expect(reply.status == .accepted, "\(source): \(reply.text)")
                replies.append((source, reply))
            }
            for (source, reply) in replies {
                try await Webmentions.eventually("\(source) is refused") {
                    try await Webmentions.status(site, reply)["status"] as? String == "rejected"
                }
                // The public status says the source could not be fetched, and nothing of what a name resolved to;
                // the owner reads which address it was and why it was refused.
                let told = try await Webmentions.status(site, reply)["detail"] as? String
                #expect(told == "the source could not be fetched", "\(source): \(told ?? "")")
                let id = try #require(reply.headers.first(name: "location")?.split(separator: "/").last.map(String.init))
                let owner = try await site.store.mention(id: id)?.ownerReason ?? ""
                #expect(owner.contains("not fetched") && (owner.contains("loopback") || owner.contains("private") || owner.contains("link-local")))
            }
            let listed = try await Webmentions.microcast(["mentions", "list", "--data", site.data.path])
            #expect(listed.contains("localhost is at 127.0.0.1, a loopback address"), "the owner's list says why")
            #expect(counter.connections == baseline, "no refused source was connected to")

            // One sending domain cannot fill the queue.
            var answers: [Int] = []
            for n in 0..<31 {
                answers.append(Int(try await Webmentions.sendWebmention(to: site, source: "http://flood.invalid/\(n)", target: post).status.code))
            }
            #expect(answers.prefix(30).allSatisfy { $0 == 202 } && answers.last == 429)
        }
    }
}

extension ConversationTests {
    @Test("the studio lists held mentions; approving one shows it, blocking a domain takes its mentions down; each post shows what it sent")
    func studioModeration() async throws {
        try await TestSite.run { site in
            let owner = try await OwnerSession.signIn(site)
            let token = try await site.token("create")
            let post = try await Webmentions.createPost(
                on: site,
                token: token,
                [("content", "Talk to me"), ("in-reply-to", "http://192.168.0.9/elsewhere")]
            )
            let slug = URL(string: post)!.lastPathComponent
            func held(_ source: String, id: String, author: String) async throws {
                var mention = try await site.store.receiveMention(source: source, target: post, postSlug: slug, newId: id, now: Date())
                mention.state = .held
                mention.kind = .reply
                mention.author = MentionAuthor(name: author, url: source)
                mention.contentHTML = "<p>Hello from \(author)</p>"
                try await site.store.saveMention(mention)
            }
            try await held("https://friend.example/1", id: "aaaaaaaaaaaaaaaaaaaa", author: "Friendly Fran")
            try await held("https://spam.example/1", id: "bbbbbbbbbbbbbbbbbbbb", author: "Spammy Sam")

            let page = try await site.get("/studio/mentions", headers: [owner.cookie]).text
            #expect(page.contains("Friendly Fran") && page.contains("Spammy Sam") && page.contains("Block spam.example"))
            #expect(try await site.get("/studio/mentions").text.contains("Spammy Sam") == false, "the owner's page only")

            #expect(
                try await OwnerSession.form(
                    site,
                    "/studio/mentions",
                    [("csrf", owner.csrf), ("id", "aaaaaaaaaaaaaaaaaaaa"), ("do", "approve")],
                    owner: owner
                ).status == .seeOther
            )
            #expect(
                try await OwnerSession.form(
                    site,
                    "/studio/mentions",
                    [("csrf", owner.csrf), ("id", "bbbbbbbbbbbbbbbbbbbb"), ("do", "block")],
                    owner: owner
                ).status == .seeOther
            )
            let shown = try await site.get(post).text
            #expect(shown.contains("Hello from Friendly Fran") && !shown.contains("Spammy Sam"))
            #expect(try await site.store.settings()[.mentionDomain("spam.example")] == "blocked")

            // The post's own Webmention to a private address is refused, and the studio says why.
            try await Webmentions.eventually("the post's send is recorded") { try await !site.store.sentMentions(postSlug: slug).isEmpty }
            let edit = try await site.get("/studio/posts/\(slug)", headers: [owner.cookie]).text
            #expect(edit.contains("Webmentions sent") && edit.contains("http://192.168.0.9/elsewhere") && edit.contains("a private address"))
        }
    }
}
