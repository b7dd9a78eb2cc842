import Foundation
import Glibc
import MicrocastCore
import TestSupport
import Testing

@Suite("The site as a fediverse account")
struct FediverseTests {
    static let activityJSON = [("Accept", "application/activity+json")]

    @Test("WebFinger finds @NAME@host; the actor has its key, inbox, outbox, followers and shared inbox; the key is made once and kept")
    func discovery() async throws {
        let data = try Fixtures.folder()
        var firstKey = ""
        try await TestSite.run(data: data) { site in
            let host = try #require(URL(string: site.base)).host! + ":" + String(try #require(URL(string: site.base)?.port))
            let finger = try await site.get("/.well-known/webfinger?resource=acct:site@\(host)")
            #expect(finger.status == .ok)
            #expect(finger.headers.first(name: "Content-Type")?.hasPrefix("application/jrd+json") == true)
            let links = try #require(finger.json["links"] as? [[String: Any]])
            let me = try #require(links.first { $0["rel"] as? String == "self" })
            #expect(me["type"] as? String == "application/activity+json" && me["href"] as? String == site.base + "/actor")
            #expect(finger.json["subject"] as? String == "acct:site@\(host)")
            #expect(try await site.get("/.well-known/webfinger?resource=acct:someone@elsewhere.example").status == .notFound)

            let actor = try await site.get("/actor", headers: Self.activityJSON)
            #expect(actor.headers.first(name: "Content-Type") == "application/activity+json")
            let document = actor.json
            #expect(document["type"] as? String == "Person" && document["preferredUsername"] as? String == "site")
            for (field, path) in [
                ("inbox", "/actor/inbox"), ("outbox", "/actor/outbox"), ("followers", "/actor/followers"), ("following", "/actor/following"),
            ] {
                #expect(document[field] as? String == site.base + path)
            }
            #expect((document["endpoints"] as? [String: Any])?["sharedInbox"] as? String == site.base + "/inbox")
            let key = try #require(document["publicKey"] as? [String: Any])
            #expect(key["id"] as? String == site.base + "/actor#main-key" && key["owner"] as? String == site.base + "/actor")
            firstKey = try #require(key["publicKeyPem"] as? String)
            #expect(firstKey.hasPrefix("-----BEGIN PUBLIC KEY-----"))
            #expect((document["icon"] as? [String: Any])?["url"] as? String != nil)

            // The home page is the actor to ActivityPub clients, a page to browsers.
            let home = try await site.get("/", headers: [("Accept", #"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#)])
            #expect(home.json["id"] as? String == site.base + "/actor")
            let page = try await site.get("/", headers: [("Accept", "text/html,application/xhtml+xml")])
            #expect(page.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
            #expect(
                page.headers.first(name: "Vary")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains("Accept") == true
            )

            let nodeinfo = try await site.get("/.well-known/nodeinfo")
            let href = try #require((nodeinfo.json["links"] as? [[String: Any]])?.first?["href"] as? String)
            let info = try await site.get(href)
            #expect(info.json["protocols"] as? [String] == ["activitypub"])
            #expect(info.json["openRegistrations"] as? Bool == false)
        }
        // A second run keeps the key: followers' servers have it cached.
        try await TestSite.run(data: data) { site in
            let actor = try await site.get("/actor", headers: Self.activityJSON)
            #expect((actor.json["publicKey"] as? [String: Any])?["publicKeyPem"] as? String == firstKey)
        }
    }

    @Test(
        "permalinks answer ActivityStreams: a Note with photos (alt text, size), a video, an episode's MP3 and artwork, hashtags; a draft is not there"
    )
    func objects() async throws {
        try await TestSite.run { site in
            let token = try await site.token("create media")
            let folder = try Fixtures.folder()
            let photo = try #require(
                try await site.upload(try await Fixtures.png(in: folder, size: "640x400"), token: token).headers.first(name: "Location")
            )
            let video = try #require(try await site.upload(try await Fixtures.phoneVideo(in: folder), token: token).headers.first(name: "Location"))
            let tone = try #require(
                try await site.upload(try await Fixtures.tone(in: folder, seconds: 2), token: token).headers.first(name: "Location")
            )
            func create(_ json: String) async throws -> String {
                let reply = try await site.postJSON(json, token: token)
                #expect(reply.status == .created, "\(reply.text)")
                return try #require(reply.headers.first(name: "Location"))
            }
            let photoPost = try await create(
                #"{"type":["h-entry"],"properties":{"content":["Cards"],"category":["tea time"],"photo":[{"value":"\#(photo)","alt":"A test card"}]}}"#
            )
            let videoPost = try await create(#"{"type":["h-entry"],"properties":{"content":["A clip"],"video":["\#(video)"]}}"#)
            let episode = try await create(#"{"type":["h-entry"],"properties":{"name":["Episode one"],"content":["Notes"],"audio":["\#(tone)"]}}"#)
            let draft = try await create(#"{"type":["h-entry"],"properties":{"content":["Not yet"],"post-status":["draft"]}}"#)
            _ = try await site.waitForJobs()

            let note = try await site.get(photoPost, headers: Self.activityJSON).json
            #expect(note["type"] as? String == "Note" && note["id"] as? String == photoPost)
            #expect(note["attributedTo"] as? String == site.base + "/actor")
            #expect((note["to"] as? [String]) == ["https://www.w3.org/ns/activitystreams#Public"])
            #expect((note["content"] as? String)?.contains("Cards") == true)
            let image = try #require((note["attachment"] as? [[String: Any]])?.first)
            #expect(image["type"] as? String == "Image" && image["name"] as? String == "A test card")
            #expect(image["width"] as? Int == 640 && image["height"] as? Int == 400)
            #expect(try await site.get(try #require(image["url"] as? String)).status == .ok)
            let tag = try #require((note["tag"] as? [[String: Any]])?.first)
            #expect(tag["type"] as? String == "Hashtag" && tag["name"] as? String == "#TeaTime")

            let clip = try #require((try await site.get(videoPost, headers: Self.activityJSON).json["attachment"] as? [[String: Any]])?.first)
            #expect(clip["type"] as? String == "Video" && clip["mediaType"] as? String == "video/mp4")

            let show = try await site.get(episode, headers: Self.activityJSON).json
            #expect(show["name"] as? String == "Episode one")
            let parts = try #require(show["attachment"] as? [[String: Any]])
            #expect(parts.map { $0["type"] as? String } == ["Audio", "Image"])
            #expect(parts.first?["mediaType"] as? String == "audio/mpeg")

            let hidden = try await site.get(draft, headers: Self.activityJSON)
            #expect(hidden.status == .notFound && hidden.json["type"] == nil)
        }
    }

    @Test(
        "a remote account follows (its signed Follow accepted with a signed Accept); photo and episode posts arrive as signed Creates (once their media are ready), an update as Update, a delete as Delete; unsigned, wrongly signed, stale and digest-mismatched POSTs get 401 and change nothing; an Undo unfollows"
    )
    func following() async throws {
        try await FakeNetwork.run(.remoteActor) { remote in
            try await TestSite.run(configure: { $0.services.allowPrivateFetch = true }) { site in
                let target: [String: Any] = ["actor": site.base + "/actor", "inbox": site.base + "/actor/inbox"]
                for mode in ["unsigned", "wrongkey", "stale", "digest"] {
                    let answer = try await remote.post("spoiled", target.merging(["mode": mode]) { $1 })
                    #expect(answer["status"] as? Int == 401, "\(mode)")
                }
                #expect(try await site.store.followers().isEmpty, "nothing changed")

                let followed = try await remote.post("follow", target)
                #expect(followed["status"] as? Int == 202, "\(followed["reason"] ?? "")")
                let follower = try #require(try await site.store.followers().first)
                #expect(follower.actorId == remote.base + "/users/ann" && follower.inbox == remote.base + "/inbox")
                let accept = try await awaitValue("the Accept") { try await Self.received(remote).first { Self.type($0) == "Accept" } }
                #expect(accept["verified"] as? Bool == true && accept["digestOK"] as? Bool == true)
                #expect(
                    ((accept["activity"] as? [String: Any])?["object"] as? [String: Any])?["id"] as? String == remote.base + "/users/ann#follows/1"
                )

                let token = try await site.token("create update delete media")
                let folder = try Fixtures.folder()
                let photo = try #require(try await site.upload(try await Fixtures.png(in: folder), token: token).headers.first(name: "Location"))
                let tone = try #require(
                    try await site.upload(try await Fixtures.tone(in: folder, seconds: 2), token: token).headers.first(name: "Location")
                )
                let photoPost = try site.created(
                    try await site.postJSON(
                        #"{"type":["h-entry"],"properties":{"content":["Cards"],"photo":[{"value":"\#(photo)","alt":"A card"}]}}"#,
                        token: token
                    )
                )
                let episode = try site.created(
                    try await site.postJSON(#"{"type":["h-entry"],"properties":{"name":["Episode"],"audio":["\#(tone)"]}}"#, token: token)
                )
                for (permalink, attachment) in [(photoPost, "Image"), (episode, "Audio")] {
                    let create = try await awaitValue("the Create of \(permalink)", timeout: .seconds(600)) {
                        try await Self.received(remote).first { Self.type($0) == "Create" && Self.objectId($0) == permalink }
                    }
                    #expect(create["verified"] as? Bool == true, "signed with the key the actor publishes")
                    let object = try #require((create["activity"] as? [String: Any])?["object"] as? [String: Any])
                    #expect((object["attachment"] as? [[String: Any]])?.first?["type"] as? String == attachment)
                }
                #expect(try await Self.received(remote).filter { Self.type($0) == "Create" }.count == 2, "one Create per post to the shared inbox")

                // The outbox pages our posts as Creates; the followers are a count, listed for the owner only.
                let outbox = try await site.get(site.base + "/actor/outbox", headers: Self.activityJSON).json
                #expect(outbox["type"] as? String == "OrderedCollection" && outbox["totalItems"] as? Int == 2)
                let firstPage = try await site.get(try #require(outbox["first"] as? String), headers: Self.activityJSON).json
                let items = try #require(firstPage["orderedItems"] as? [[String: Any]])
                #expect(items.map { $0["type"] as? String } == ["Create", "Create"])
                #expect(Set(items.compactMap { ($0["object"] as? [String: Any])?["id"] as? String }) == [photoPost, episode])
                let strangers = try await site.get(site.base + "/actor/followers", headers: Self.activityJSON).json
                #expect(strangers["totalItems"] as? Int == 1 && strangers["first"] == nil && strangers["orderedItems"] == nil)
                let forged = try await site.get(
                    site.base + "/actor/followers?page=1",
                    headers: Self.activityJSON + [("Authorization", "Bearer forged")]
                )
                #expect(forged.json["orderedItems"] == nil, "a token that does not verify lists nobody")
                let listed = try await site.get(
                    site.base + "/actor/followers?page=1",
                    headers: Self.activityJSON + [("Authorization", "Bearer " + token)]
                ).json
                #expect(listed["orderedItems"] as? [String] == [remote.base + "/users/ann"])

                let updated = try await site.postJSON(#"{"action":"update","url":"\#(photoPost)","replace":{"content":["Changed"]}}"#, token: token)
                #expect(updated.status == .noContent || updated.status == .ok)
                _ = try await awaitValue("the Update") {
                    try await Self.received(remote).first { Self.type($0) == "Update" && Self.objectId($0) == photoPost }
                }
                _ = try await site.postJSON(#"{"action":"delete","url":"\#(photoPost)"}"#, token: token)
                let delete = try await awaitValue("the Delete") {
                    try await Self.received(remote).first { Self.type($0) == "Delete" && Self.objectId($0) == photoPost }
                }
                #expect(delete["verified"] as? Bool == true)

                #expect(try await remote.post("unfollow", target)["status"] as? Int == 202)
                #expect(try await site.store.followers().isEmpty)
            }
        }
    }

    @Test(
        "a reply, a like and a boost from a remote account are held like Webmentions, shown once approved; an edit shows, an Undo and a Delete take them back; a Move carries the follow over; a Delete of the account forgets it; a blocked server is ignored"
    )
    func responses() async throws {
        try await FakeNetwork.run(.remoteActor) { remote in
            try await TestSite.run(configure: { $0.services.allowPrivateFetch = true }) { site in
                let ann = remote.base + "/users/ann"
                let inbox = site.base + "/inbox"
                func send(_ activity: [String: Any]) async throws {
                    let answer = try await remote.post("send", ["inbox": inbox, "activity": activity])
                    #expect(answer["status"] as? Int == 202, "\(activity["type"] ?? ""): \(answer["reason"] ?? "")")
                }
                func microcast(_ arguments: [String]) async throws {
                    _ = try await Webmentions.microcast(arguments + ["--data", site.data.path] + site.databaseArguments)
                }
                func fediverseMentions() async throws -> [Mention] {
                    try await site.store.mentions(state: nil, limit: 100).filter { $0.via == Mention.fediverse }
                }
                let token = try await site.token("create")
                let post = try site.created(try await site.postJSON(#"{"type":["h-entry"],"properties":{"content":["Tea at four"]}}"#, token: token))
                let reply: [String: Any] = [
                    "id": ann + "/statuses/1", "type": "Note", "attributedTo": ann, "inReplyTo": post,
                    "content": "<p>Great <b>tea</b><script>alert(1)</script></p>", "url": remote.base + "/@ann/1",
                ]
                try await send(["type": "Create", "id": ann + "/statuses/1/activity", "actor": ann, "object": reply])
                let held = try #require(try await fediverseMentions().first)
                #expect(held.state == .held && held.kind == .reply && held.author.name == "Ann Remote" && post.hasSuffix("/" + held.postSlug))
                #expect(!(try await site.get(post).text.contains("Great")), "held until the owner approves")

                try await microcast(["mentions", "approve", held.id])
                let page = try await site.get(post).text
                #expect(page.contains("Great <b>tea</b>") && page.contains("Ann Remote") && !page.contains("alert(1)"))
                // Ann's photo, fetched once in the background, is shown from our own renditions.
                // A job's bound: its resize may wait behind other tests' transcodes for the image threads.
                var photo = ""
                try await Webmentions.eventually("Ann's photo shows on the post", timeout: .seconds(600)) {
                    let page = try await site.get(post).text
                    photo = page.firstMatch(of: /class="u-photo" src="([^"]+\/avatar\.[^"]+)"/).map { String($0.1) } ?? ""
                    return !photo.isEmpty
                }
                let shown = try await site.get(post).text
                #expect(photo.hasPrefix(site.base) && !shown.contains("/avatars/ann.png"), "\(photo)")
                let served = try await site.get(photo)
                #expect(served.status == .ok && served.headers.first(name: "content-type") == "image/jpeg")
                // Ann is approved now: her like and boost show at once.
                try await send(["type": "Like", "id": ann + "#likes/1", "actor": ann, "object": post])
                // Signed as Mastodon 4.5 may sign, RFC 9421: taken as well.
                let boost = try await remote.post(
                    "send",
                    [
                        "inbox": inbox, "scheme": "rfc9421",
                        "activity": ["type": "Announce", "id": ann + "/statuses/2/activity", "actor": ann, "object": post],
                    ]
                )
                #expect(boost["status"] as? Int == 202, "\(boost["reason"] ?? "")")
                #expect(Set(try await fediverseMentions().filter { $0.state == .shown }.map(\.kind)) == [.reply, .like, .repost])
                _ = try await site.waitForJobs(timeout: .seconds(300))
                #expect(try await fediverseMentions().allSatisfy { !$0.author.photoFile.isEmpty }, "one photo for all of Ann's responses")
                #expect((try await remote.get("photo-fetches") as? [String: Any])?["count"] as? Int == 1, "fetched once")
                // The owner sees them on the post's page in the studio.
                let owner = try await OwnerSession.signIn(site)
                let studio = try await site.get("/studio/posts/" + held.postSlug, headers: [owner.cookie]).text
                #expect(studio.contains("Shown under the post: 1 reply · 1 like · 1 repost."), "\(studio)")
                #expect(studio.components(separatedBy: "<td>fediverse</td>").count == 4 && studio.contains(">Ann Remote</a>"))

                var edited = reply
                edited["content"] = "<p>Great tea, and cake</p>"
                try await send(["type": "Update", "id": ann + "/statuses/1#updates/1", "actor": ann, "object": edited])
                #expect(try await site.get(post).text.contains("Great tea, and cake"))
                #expect(try await fediverseMentions().count == 3, "an edit is the same response")

                try await send(["type": "Undo", "id": ann + "#likes/1/undo", "actor": ann, "object": ["type": "Like", "id": ann + "#likes/1"]])
                try await send([
                    "type": "Delete", "id": ann + "/statuses/1#delete", "actor": ann, "object": ["type": "Tombstone", "id": ann + "/statuses/1"],
                ])
                #expect(try await fediverseMentions().map(\.kind) == [.repost])
                #expect(!(try await site.get(post).text.contains("Great tea")))

                // Ann follows, then moves to Bea, who names her in alsoKnownAs.
                let target: [String: Any] = ["actor": site.base + "/actor", "inbox": site.base + "/actor/inbox"]
                #expect(try await remote.post("follow", target)["status"] as? Int == 202)
                try await send(["type": "Move", "id": ann + "#moves/1", "actor": ann, "object": ann, "target": remote.base + "/users/bea"])
                #expect(try await site.store.followers().map(\.actorId) == [remote.base + "/users/bea"])

                // Ann's account is deleted: what she sent is forgotten.
                #expect(try await remote.post("follow", target)["status"] as? Int == 202)
                try await send(["type": "Delete", "id": ann + "#delete", "actor": ann, "object": ann])
                #expect(try await fediverseMentions().isEmpty)
                #expect(try await site.store.followers().map(\.actorId) == [remote.base + "/users/bea"])

                // A blocked server is answered 202 and changes nothing.
                try await microcast(["mentions", "block", "127.0.0.1"])
                #expect(try await remote.post("follow", target)["status"] as? Int == 202)
                try await send(["type": "Like", "id": ann + "#likes/2", "actor": ann, "object": post])
                #expect(try await site.store.followers().map(\.actorId) == [remote.base + "/users/bea"])
                #expect(try await fediverseMentions().isEmpty)
            }
        }
    }

    @Test(
        "with follows held for approval, a follow waits (no Accept, no posts) until the owner approves it from the CLI; a refusal sends a Reject and ends deliveries; a blocked server cannot follow"
    )
    func followApproval() async throws {
        try await FakeNetwork.run(.remoteActor) { remote in
            try await TestSite.run(configure: { $0.services.allowPrivateFetch = true }) { site in
                let ann = remote.base + "/users/ann"
                let target: [String: Any] = ["actor": site.base + "/actor", "inbox": site.base + "/actor/inbox"]
                func fediverse(_ arguments: [String]) async throws -> String {
                    try await Webmentions.microcast(["fediverse"] + arguments + ["--data", site.data.path] + site.databaseArguments)
                }
                _ = try await fediverse(["follows", "approval"])
                #expect(try await site.get(site.base + "/actor", headers: Self.activityJSON).json["manuallyApprovesFollowers"] as? Bool == true)

                #expect(try await remote.post("follow", target)["status"] as? Int == 202)
                #expect(try await site.store.followers().map(\.state) == [.pending])
                #expect(try await fediverse(["followers", "--state", "pending"]).contains(ann))
                let token = try await site.token("create")
                let early = try site.created(try await site.postJSON(#"{"type":["h-entry"],"properties":{"content":["Before"]}}"#, token: token))
                _ = try await site.waitForJobs()
                #expect(try await Self.received(remote).isEmpty, "a pending follower is sent nothing, not even an Accept")
                #expect(try await site.get(site.base + "/actor/followers", headers: Self.activityJSON).json["totalItems"] as? Int == 0)

                _ = try await fediverse(["approve", ann])
                let accept = try await awaitValue("the Accept") { try await Self.received(remote).first { Self.type($0) == "Accept" } }
                #expect(accept["verified"] as? Bool == true)
                let later = try site.created(try await site.postJSON(#"{"type":["h-entry"],"properties":{"content":["After"]}}"#, token: token))
                _ = try await awaitValue("the Create of the later post") {
                    try await Self.received(remote).first { Self.type($0) == "Create" && Self.objectId($0) == later }
                }
                #expect(!(try await Self.received(remote).contains { Self.objectId($0) == early }))

                _ = try await fediverse(["reject", ann])
                let reject = try await awaitValue("the Reject") { try await Self.received(remote).first { Self.type($0) == "Reject" } }
                #expect(reject["verified"] as? Bool == true)
                #expect(try await site.store.followers().map(\.state) == [.rejected])

                _ = try await fediverse(["block", "127.0.0.1"])
                #expect(try await remote.post("follow", target)["status"] as? Int == 202)
                #expect(try await site.store.followers().map(\.state) == [.rejected], "a blocked server's follow is dropped")
                _ = try await fediverse(["unblock", "127.0.0.1"])
                #expect(try await remote.post("follow", target)["status"] as? Int == 202)
                #expect(try await site.store.followers().map(\.state) == [.pending], "after the block, asking again waits for the owner")
            }
        }
    }

    @Test(
        "secure mode: posts as objects and the collections answer only signed GETs (a remote server's, verified against its key), never a blocked server's; the actor, WebFinger and the pages stay open"
    )
    func secureMode() async throws {
        try await FakeNetwork.run(.remoteActor) { remote in
            try await TestSite.run(configure: { $0.services.allowPrivateFetch = true }) { site in
                let token = try await site.token("create")
                let post = try site.created(try await site.postJSON(#"{"type":["h-entry"],"properties":{"content":["Members only"]}}"#, token: token))
                func fetched(_ url: String) async throws -> (status: Int?, document: [String: Any]) {
                    let answer = try await remote.post("fetch", ["url": url])
                    return (answer["status"] as? Int, answer["document"] as? [String: Any] ?? [:])
                }
                #expect(try await site.get(post, headers: Self.activityJSON).status == .ok, "open until the owner turns it on")
                _ = try await Webmentions.microcast(["fediverse", "secure-mode", "on", "--data", site.data.path] + site.databaseArguments)

                for url in [post, site.base + "/actor/outbox", site.base + "/actor/followers"] {
                    let unsigned = try await site.get(url, headers: Self.activityJSON)
                    #expect(unsigned.status == .unauthorized && unsigned.json["error"] as? String == "unauthorized", "\(url)")
                }
                let signed = try await fetched(post)
                #expect(signed.status == 200 && signed.document["id"] as? String == post && signed.document["type"] as? String == "Note")
                #expect(try await fetched(site.base + "/actor/outbox").document["totalItems"] as? Int == 1)
                #expect(try await site.get(site.base + "/actor", headers: Self.activityJSON).json["publicKey"] != nil)
                #expect(try await site.get("/.well-known/webfinger?resource=" + site.base + "/actor").status == .ok)
                #expect(try await site.get(post).text.contains("Members only"), "browsers still get the page")

                _ = try await Webmentions.microcast(["fediverse", "block", "127.0.0.1", "--data", site.data.path] + site.databaseArguments)
                let blocked = try await fetched(post)
                #expect(blocked.status == 403 && blocked.document["type"] == nil)
            }
        }
    }

    @Test(
        "a server that fails a delivery's last try is marked unreachable; later deliveries to it are tried once and given up; a server that answers again is unmarked"
    )
    func unreachableServers() async throws {
        try await FakeNetwork.run(.remoteActor) { remote in
            try await TestSite.run(configure: { $0.services.allowPrivateFetch = true }) { site in
                // Nothing listens at this port once the reservation is let go.
                let (port, reservation) = try reservePort()
                close(reservation)
                let dead = "127.0.0.1:\(port)"
                let deadInbox = "http://\(dead)/inbox"
                // A follower on a server that is down, whose Accept gets a single try.
                try await site.store.saveFollower(
                    Follower(actorId: "http://\(dead)/users/gone", inbox: deadInbox, followId: "http://\(dead)/f/1", followedAt: Date()),
                    jobs: [
                        JobRequest(kind: .deliver, subject: .delivery(inbox: deadInbox, activity: "accept http://\(dead)/users/gone"), maxAttempts: 1)
                    ]
                )
                _ = try await awaitValue("the dead server marked unreachable") { try await site.store.settings().unreachableServers[dead] }

                // Ann's server is up, but was marked while it was down.
                let target: [String: Any] = ["actor": site.base + "/actor", "inbox": site.base + "/actor/inbox"]
                #expect(try await remote.post("follow", target)["status"] as? Int == 202)
                let live = try #require(URL(string: remote.base)).fediverseServer
                try await site.store.setSettings([.unreachableServer(live): "2026-12-01T00:00:00Z"])

                let token = try await site.token("create")
                let post = try site.created(
                    try await site.postJSON(#"{"type":["h-entry"],"properties":{"content":["Anyone there?"]}}"#, token: token)
                )
                _ = try await awaitValue("the Create at the live server") {
                    try await Self.received(remote).first { Self.type($0) == "Create" && Self.objectId($0) == post }
                }
                _ = try await site.waitForJobs()
                #expect(try await site.store.settings().unreachableServers[live] == nil, "it answered, so it is reachable again")
                let toDead = try await site.store.snapshot().jobs.map(\.job).filter {
                    $0.subject == .delivery(inbox: deadInbox, activity: "create " + (post.split(separator: "/").last.map(String.init) ?? ""))
                }
                #expect(toDead.count == 1 && toDead.first?.state == .failed && toDead.first?.attempts == 1)
                #expect(toDead.first?.lastError?.contains("unreachable since") == true, "\(toDead.first?.lastError ?? "")")
                #expect(try await site.store.settings().unreachableServers[dead] != nil, "still marked")
            }
        }
    }

    static func received(_ remote: FakeNetwork) async throws -> [[String: Any]] { try await remote.get("received") as? [[String: Any]] ?? [] }
    static func type(_ item: [String: Any]) -> String? { (item["activity"] as? [String: Any])?["type"] as? String }
    static func objectId(_ item: [String: Any]) -> String? {
        let object = (item["activity"] as? [String: Any])?["object"]
        return (object as? [String: Any])?["id"] as? String ?? object as? String
    }
}
