import Foundation
import MicrocastCore
import TestSupport
import Testing

@Suite("Syndication: copies on Mastodon and Bluesky")
struct SyndicationTests {
    @Test("accounts connected with the CLI are listed by q=config and q=syndicate-to; an unknown uid is a 400 naming the known ones")
    func choosing() async throws {
        try await Syndicating.run { network in
            let mastodon = try await network.connectMastodon()
            let bluesky = try await network.connectBluesky()

            for query in ["config", "syndicate-to"] {
                let reply = try await network.site.get("/micropub?q=\(query)", headers: [("Authorization", "Bearer \(network.token)")])
                let targets = try #require(reply.json["syndicate-to"] as? [[String: Any]])
                #expect(targets.compactMap { $0["uid"] as? String } == [mastodon, bluesky])
                let first = try #require(targets.first)
                #expect((first["service"] as? [String: Any])?["name"] as? String == "Mastodon")
                #expect((first["user"] as? [String: Any])?["name"] as? String == "The Owner")
                #expect((first["user"] as? [String: Any])?["photo"] as? String == network.mastodon.base + "/avatars/owner.png")
                #expect(first["name"] as? String == "@owner@127.0.0.1:\(URL(string: network.mastodon.base)!.port!) on Mastodon")
                #expect(!reply.text.contains("token") && !reply.text.contains("password"))
            }

            let json = #"{"type":["h-entry"],"properties":{"content":["Hi"],"mp-syndicate-to":["https://nowhere.example/@me"]}}"#
            let refused = try await network.site.postJSON(json, token: network.token)
            #expect(refused.status == .badRequest)
            #expect(refused.json["error"] as? String == "invalid_request")
            let description = refused.json["error_description"] as? String ?? ""
            #expect(description.contains("https://nowhere.example/@me") && description.contains(mastodon) && description.contains(bluesky))

            let list = try await network.command(["list"])
            #expect(list.output.contains(mastodon) && list.output.contains("connected"))
            // The credentials are stored, never shown.
            let stored = try #require(try await network.site.store.syndicationAccount(uid: bluesky))
            guard case .bluesky(let credentials) = stored.credentials else {
                Issue.record("not Bluesky credentials")
                return
            }
            #expect(!list.output.contains(credentials.appPassword) && !list.output.contains(credentials.accessJwt))
            #expect(!"\(stored)".contains(credentials.appPassword))

            // Nor in the static export.
            let exported = try Fixtures.folder()
            let export = try await Microcast.run(["export", "--data", network.site.data.path, exported.path] + network.site.databaseArguments)
            #expect(export.status == 0, "\(export.errors)")
            var files = 0
            for case let file as URL in FileManager.default.enumerator(at: exported, includingPropertiesForKeys: nil) ?? .init() {
                guard let data = try? Data(contentsOf: file) else { continue }
                files += 1
                for secret in [credentials.appPassword, credentials.accessJwt, credentials.refreshJwt] {
                    #expect(data.range(of: Data(secret.utf8)) == nil, "\(file.lastPathComponent) holds a credential")
                }
            }
            #expect(files > 3)

            let removed = try await network.command(["remove", bluesky])
            #expect(removed.status == 0)
            #expect(try await network.site.store.syndicationAccounts().map(\.uid) == [mastodon])
        }
    }

    @Test(
        "a note, photos, an episode and a video reach Mastodon fitted to its limits; an update is an edit; a delete deletes; an undelete posts again"
    )
    func mastodonKinds() async throws {
        try await Syndicating.run(mastodonArguments: ["--max-characters", "200"]) { network in
            let uid = try await network.connectMastodon()
            let folder = try Fixtures.folder()

            // Words longer than the server's 200 characters: cut at a word, the permalink kept, tags as hashtags.
            let long = (1...40).map { "word\($0)" }.joined(separator: " ") + " https://example.com/a/very/long/link/that/counts/as/twenty-three"
            let note = try await network.create(["content": [long], "category": ["tea time", "indieweb"]], syndicateTo: [uid])
            let status = try await awaitValue("the note on Mastodon") { try await network.statuses(linking: note).first }
            let text = try #require(status["text"] as? String)
            #expect(text.hasSuffix(note))
            #expect(text.contains("…") && text.contains("#TeaTime") && text.contains("#indieweb"))
            #expect(!text.contains("word40"), "the words were shortened")
            #expect(CopyText.length(text, charactersPerURL: 23) <= 200)
            let statusURL = try #require(status["url"] as? String)
            #expect(try await awaitValue("syndication on the post") { try await network.syndication(of: note) == [statusURL] ? true : nil })
            let page = try await network.site.pageEntry(note)
            #expect((page["syndication"] as? [String]) == [statusURL], "u-syndication on the page")

            // Five photos: four attached with their alt texts, the fifth said and linked.
            var photos: [[String: String]] = []
            for index in 1...5 {
                let file = try await Fixtures.png(in: folder, name: "p\(index).png")
                photos.append(["value": try await network.upload(file), "alt": "Test card number \(index)"])
            }
            let album = try await network.create(["content": ["Five cards"], "photo": photos], syndicateTo: [uid])
            let albumStatus = try await awaitValue("the album on Mastodon") { try await network.statuses(linking: album).first }
            let attachments = try #require(albumStatus["media_attachments"] as? [[String: Any]])
            #expect(attachments.compactMap { $0["description"] as? String } == (1...4).map { "Test card number \($0)" })
            #expect(attachments.allSatisfy { ($0["meta"] as? [String: Any])?["mime"] as? String == "image/jpeg" })
            #expect((albumStatus["text"] as? String)?.contains("4 of 5 photos; all at the link") == true)

            // An episode with its MP3; a video with its MP4.
            let tone = try await Fixtures.tone(in: folder, seconds: 2)
            let episode = try await network.create(
                ["name": ["Episode one"], "content": ["Show notes"], "audio": [try await network.upload(tone)]],
                syndicateTo: [uid]
            )
            let video = try await network.create(
                ["content": ["A clip"], "video": [try await network.upload(try await Fixtures.phoneVideo(in: folder))]],
                syndicateTo: [uid]
            )
            for (permalink, mime) in [(episode, "audio/mpeg"), (video, "video/mp4")] {
                let copy = try await awaitValue("\(mime) on Mastodon", timeout: .seconds(600)) {
                    try await network.statuses(linking: permalink).first
                }
                let media = try #require((copy["media_attachments"] as? [[String: Any]])?.first)
                #expect((media["meta"] as? [String: Any])?["mime"] as? String == mime)
            }
            #expect((try await network.statuses(linking: episode).first?["text"] as? String)?.hasPrefix("Episode one") == true)

            // An update is an edit of the same status; a delete deletes it; an undelete posts anew.
            try await network.action(["action": "update", "url": note, "replace": ["content": ["Shorter now"]]])
            let edited = try await awaitValue("the edit") {
                try await network.statuses(linking: note).first { ($0["text"] as? String)?.hasPrefix("Shorter now") == true }
            }
            #expect(edited["id"] as? String == status["id"] as? String)
            #expect(edited["edits"] as? Int == 1)
            try await network.action(["action": "delete", "url": note])
            _ = try await awaitValue("the copy deleted") { try await network.statuses(linking: note).isEmpty ? true : nil }
            // The job records the deletion once Mastodon has answered it.
            _ = try await awaitValue("the copy recorded as deleted") {
                try await network.site.store.copy(postSlug: slug(note), accountUid: uid)?.state == .deleted ? true : nil
            }
            try await network.action(["action": "undelete", "url": note])
            let again = try await awaitValue("posted again") { try await network.statuses(linking: note).first }
            #expect(again["id"] as? String != status["id"] as? String)
            #expect(try await network.statuses(linking: note).count == 1)
        }
    }

    @Test(
        "exactly once on Mastodon: a lost answer is not posted twice; a 429 is waited out; a revoked token asks to reconnect, and the copy follows after"
    )
    func mastodonExactlyOnce() async throws {
        try await Syndicating.run { network in
            let uid = try await network.connectMastodon()

            // The server makes the status and the answer is lost: the retry, with the same Idempotency-Key, gets the same status.
            try await network.mastodon.post("lose-next-answer")
            let lost = try await network.create(["content": ["Said once"]], syndicateTo: [uid])
            _ = try await awaitValue("the copy recorded after the retry", timeout: .seconds(600)) {
                try await network.syndication(of: lost).isEmpty ? nil : true
            }
            #expect(try await network.statuses(linking: lost).count == 1)
            let posts = try await network.mastodon.requests().filter { $0 == "POST /api/v1/statuses" }
            #expect(posts.count == 2, "tried twice, posted once")

            // Two 429s with Retry-After: the job waits and goes on, no attempt spent.
            try await network.mastodon.post("rate-limit", ["count": 2, "retry_after": 1])
            let limited = try await network.create(["content": ["After the limit"]], syndicateTo: [uid])
            _ = try await awaitValue("the copy after the rate limit") { try await network.statuses(linking: limited).first }
            let subject = JobSubject.copy(post: slug(limited), account: uid)
            let job = try await awaitValue("the job done") { () async throws -> Job? in
                let jobs: [Job] = try await network.site.store.snapshot().jobs.map(\.job)
                return jobs.first { job in job.kind == .syndicate && job.subject == subject && job.state == .done }
            }
            #expect(job.attempts == 1, "postponed, not failed")

            // Revoked: the account shows "reconnect", its jobs wait; reconnecting resumes them.
            try await network.mastodon.post("revoke")
            try await network.action(["action": "update", "url": limited, "replace": ["content": ["Changed while revoked"]]])
            _ = try await awaitValue("the account marked for reconnecting") {
                try await network.site.store.syndicationAccount(uid: uid)?.status.needsReconnect == true ? true : nil
            }
            #expect(try await network.command(["list"]).output.contains("reconnect"))
            let owner = try await OwnerSession.signIn(network.site)
            let studio = try await network.site.get("/studio/syndication", headers: [owner.cookie]).text
            #expect(studio.contains("<strong>Reconnect</strong> Mastodon") && studio.contains("Reconnect @owner@"))
            try await network.connectMastodon()
            _ = try await awaitValue("the edit after reconnecting") {
                try await network.statuses(linking: limited).first { ($0["text"] as? String)?.hasPrefix("Changed while revoked") == true }
            }
        }
    }

    @Test(
        "Bluesky: 300 graphemes with facets at UTF-8 byte offsets (accents, emoji, joined emoji), four images within 1,000,000 bytes with alt text and aspect ratio, a video embed, an episode's card; an update replaces the post and the old URL still finds it"
    )
    func blueskyKinds() async throws {
        try await Syndicating.run { network in
            let uid = try await network.connectBluesky()
            let folder = try Fixtures.folder()

            let opening = "Café déjà vu 👩‍👩‍👧 🇫🇷 crème brûlée with @friend.test #ThéVert https://example.com/é"
            let words = opening + " " + (1...60).map { "mot\($0)" }.joined(separator: " ")
            let note = try await network.create(["content": [words], "category": ["tea time"]], syndicateTo: [uid])
            let record = try await awaitValue("the note on the PDS") { try await network.records(linking: note).first }
            let text = Syndicating.text(of: record)
            #expect(text.count <= 300 && text.utf8.count <= 3000)
            #expect(text.hasPrefix(opening) && text.contains("…") && text.hasSuffix(note))
            let facets = try #require((record["record"] as? [String: Any])?["facets"] as? [[String: Any]])
            let bytes = Array(text.utf8)
            var seen: [String: String] = [:]
            for facet in facets {
                let index = try #require(facet["index"] as? [String: Int])
                let slice = String(decoding: bytes[try #require(index["byteStart"])..<(try #require(index["byteEnd"]))], as: UTF8.self)
                let feature = try #require((facet["features"] as? [[String: Any]])?.first)
                switch feature["$type"] as? String {
                case "app.bsky.richtext.facet#link": #expect(slice == feature["uri"] as? String)
                case "app.bsky.richtext.facet#tag": #expect(slice == "#" + (feature["tag"] as? String ?? ""))
                case "app.bsky.richtext.facet#mention": #expect((feature["did"] as? String)?.hasPrefix("did:plc:") == true)
                default: Issue.record("unexpected facet \(feature)")
                }
                seen[slice] = feature["$type"] as? String
            }
            #expect(seen["@friend.test"] == "app.bsky.richtext.facet#mention")
            #expect(seen["#ThéVert"] == "app.bsky.richtext.facet#tag")
            #expect(seen["#TeaTime"] == "app.bsky.richtext.facet#tag")
            #expect(seen["https://example.com/é"] == "app.bsky.richtext.facet#link")
            #expect(seen[note] == "app.bsky.richtext.facet#link")

            // Five photos: four images with alt text and aspect ratio, each blob within the limit.
            var photos: [[String: String]] = []
            for index in 1...5 {
                let file = try await Fixtures.png(in: folder, name: "p\(index).png", size: "640x400")
                photos.append(["value": try await network.upload(file), "alt": "Card \(index)"])
            }
            let album = try await network.create(["content": ["Five cards"], "photo": photos], syndicateTo: [uid])
            let albumRecord = try await awaitValue("the album on the PDS") { try await network.records(linking: album).first }
            let embed = try #require((albumRecord["record"] as? [String: Any])?["embed"] as? [String: Any])
            let images = try #require(embed["images"] as? [[String: Any]])
            #expect(images.compactMap { $0["alt"] as? String } == ["Card 1", "Card 2", "Card 3", "Card 4"])
            #expect(images.allSatisfy { ($0["aspectRatio"] as? [String: Int]) == ["width": 640, "height": 400] })
            let blobs = try #require(albumRecord["blobs"] as? [[String: Any]])
            #expect(blobs.count == 4 && blobs.allSatisfy { ($0["size"] as? Int ?? .max) <= 1_000_000 && $0["mimeType"] as? String == "image/jpeg" })
            #expect(Syndicating.text(of: albumRecord).contains("4 of 5 photos; all at the link"))

            // A video as a video embed; an episode as a card to its page, with the show's artwork.
            let video = try await network.create(
                ["content": ["A clip"], "video": [try await network.upload(try await Fixtures.phoneVideo(in: folder))]],
                syndicateTo: [uid]
            )
            let videoRecord = try await awaitValue("the video on the PDS", timeout: .seconds(600)) { try await network.records(linking: video).first }
            let videoEmbed = try #require((videoRecord["record"] as? [String: Any])?["embed"] as? [String: Any])
            #expect(videoEmbed["$type"] as? String == "app.bsky.embed.video")
            #expect((videoRecord["blobs"] as? [[String: Any]])?.first?["mimeType"] as? String == "video/mp4")
            let tone = try await Fixtures.tone(in: folder, seconds: 2)
            let episode = try await network.create(
                ["name": ["Episode one"], "content": ["Show notes"], "audio": [try await network.upload(tone)]],
                syndicateTo: [uid]
            )
            let card = try await awaitValue("the episode's card", timeout: .seconds(600)) { try await network.records(linking: episode).first }
            let external = try #require(((card["record"] as? [String: Any])?["embed"] as? [String: Any])?["external"] as? [String: Any])
            #expect(external["uri"] as? String == episode && external["title"] as? String == "Episode one")
            #expect(external["description"] as? String == "Show notes")
            #expect((card["blobs"] as? [[String: Any]])?.first?["mimeType"] as? String == "image/jpeg", "the show's artwork as the thumbnail")

            // No edits on Bluesky: a new post, the old one deleted, its URL still finding the post.
            let firstURL = try await awaitValue("syndication") { try await network.syndication(of: note).first }
            try await network.action(["action": "update", "url": note, "replace": ["content": ["Now shorter"]]])
            let replaced = try await awaitValue("the replacement") {
                try await network.records(linking: note).first { Syndicating.text(of: $0).hasPrefix("Now shorter") }
            }
            #expect(replaced["rkey"] as? String != record["rkey"] as? String)
            #expect(try await network.records(linking: note).count == 1, "the old post is deleted")
            let secondURL = try await awaitValue("the new URL on the post") {
                let urls = try await network.syndication(of: note)
                return urls.count == 1 && urls != [firstURL] ? urls[0] : nil
            }
            #expect(secondURL.hasSuffix("/post/" + (replaced["rkey"] as? String ?? "")))
            let byOldURL = try await network.site.source(firstURL, token: network.token)
            #expect((byOldURL["properties"] as? [String: Any])?["syndication"] as? [String] == [secondURL])

            try await network.action(["action": "delete", "url": note])
            _ = try await awaitValue("deleted on the PDS") { try await network.records(linking: note).isEmpty ? true : nil }
            try await network.action(["action": "undelete", "url": note])
            _ = try await awaitValue("posted again") { try await network.records(linking: note).first }
        }
    }

    @Test(
        "exactly once on Bluesky: a lost answer rewrites the same record; an expired session is refreshed; a revoked app password asks to reconnect",
        arguments: TestSite.Database.allCases
    )
    func blueskyExactlyOnce(database: TestSite.Database) async throws {
        try await Syndicating.run(database: database) { network in
            let uid = try await network.connectBluesky()

            try await network.pds.post("lose-next-answer")
            let lost = try await network.create(["content": ["Said once"]], syndicateTo: [uid])
            _ = try await awaitValue("the copy recorded after the retry", timeout: .seconds(600)) {
                try await network.syndication(of: lost).isEmpty ? nil : true
            }
            let written = try await network.records(linking: lost)
            #expect(written.count == 1)
            #expect(written.first?["writes"] as? Int == 2, "the same record key written twice")

            try await network.pds.post("expire-sessions")
            let before = try await network.site.store.syndicationAccount(uid: uid)?.credentials
            let refreshed = try await network.create(["content": ["After the session expired"]], syndicateTo: [uid])
            _ = try await awaitValue("the copy with a refreshed session") { try await network.records(linking: refreshed).first }
            // The renewed session is saved as the job ends, just after the network has the post.
            _ = try await awaitValue("the renewed session saved") {
                try await network.site.store.syndicationAccount(uid: uid)?.credentials != before ? true : nil
            }

            try await network.pds.post("rate-limit", ["count": 1, "retry_after": 1])
            let limited = try await network.create(["content": ["After the limit"]], syndicateTo: [uid])
            _ = try await awaitValue("the copy after the rate limit") { try await network.records(linking: limited).first }

            try await network.pds.post("revoke")
            let waiting = try await network.create(["content": ["Made while revoked"]], syndicateTo: [uid])
            _ = try await awaitValue("the account marked for reconnecting") {
                try await network.site.store.syndicationAccount(uid: uid)?.status.needsReconnect == true ? true : nil
            }
            try await network.connectBluesky()
            _ = try await awaitValue("the copy after reconnecting") { try await network.records(linking: waiting).first }
        }
    }

    @Test(
        "replies, likes and boosts come home from both networks: held for a new author, shown once approved, an approved author's next reply at once; the owner's own not shown twice",
        arguments: TestSite.Database.allCases
    )
    func backfeed(database: TestSite.Database) async throws {
        try await Syndicating.run(database: database, backfeedFirstLook: 1) { network in
            let mastodonUid = try await network.connectMastodon()
            let blueskyUid = try await network.connectBluesky()
            let post = try await network.create(["content": ["Talk to me"]], syndicateTo: [mastodonUid, blueskyUid])
            let status = try await awaitValue("the status") { try await network.statuses(linking: post).first }
            let record = try await awaitValue("the record") { try await network.records(linking: post).first }
            let statusId = try #require(status["id"] as? String)
            let owner = try await network.pds.get("owner") as? [String: Any] ?? [:]
            let uri = "at://\(owner["did"] as? String ?? "")/app.bsky.feed.post/\(record["rkey"] as? String ?? "")"

            try await network.mastodon.post(
                "reply",
                ["in_reply_to_id": statusId, "username": "alice", "display_name": "Alice", "text": "Lovely post"]
            )
            try await network.mastodon.post("reply", ["in_reply_to_id": statusId, "username": "owner", "text": "Thanks, from me"])
            try await network.mastodon.post("favourite", ["status_id": statusId, "username": "bob"])
            try await network.mastodon.post("reblog", ["status_id": statusId, "username": "carol"])
            try await network.pds.post("reply", ["parent": uri, "handle": "dave.test", "display_name": "Dave", "text": "Hello from Bluesky"])
            try await network.pds.post("like", ["uri": uri, "handle": "friend.test"])
            try await network.pds.post("repost", ["uri": uri, "handle": "erin.test"])

            let held = try await awaitValue("six responses held") { () async throws -> [Mention]? in
                let mentions = try await network.site.store.mentions(state: .held, limit: 50).filter { $0.via != nil }
                return mentions.count >= 6 ? mentions : nil
            }
            #expect(held.count == 6, "the owner's own reply is not among them")
            #expect(Set(held.map(\.kind)) == [.reply, .like, .repost])
            #expect(!held.contains { $0.contentHTML.contains("Thanks, from me") })
            let alice = try #require(held.first { $0.author.name == "Alice" })
            #expect(alice.author.url == network.mastodon.base + "/@alice")
            #expect(!(try await network.site.get(post)).text.contains("Lovely post"), "held, not shown")

            let approved = try await Microcast.run(
                ["mentions", "approve", alice.id, "--data", network.site.data.path] + network.site.databaseArguments
            )
            #expect(approved.status == 0, "\(approved.errors)")
            let page = try await network.site.get(post).text
            #expect(page.contains("Lovely post") && page.contains("Alice"))
            #expect(!page.contains("Hello from Bluesky"))

            // Alice is approved: her next reply shows without the owner.
            try await network.mastodon.post("reply", ["in_reply_to_id": statusId, "username": "alice", "text": "And another thing"])
            _ = try await awaitValue("the approved author's next reply shown") {
                try await network.site.get(post).text.contains("And another thing") ? true : nil
            }
            #expect(try await network.site.store.mentions(state: nil, limit: 100).filter { $0.via != nil }.count == 7)
        }
    }
}

/// The slug of one of the site's permalinks.
func slug(_ permalink: String) -> String { URL(string: permalink)!.lastPathComponent }
