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
                let copy = try await awaitValue("\(mime) on Mastodon", timeout: .seconds(120)) {
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
            #expect(try await network.site.store.copy(postSlug: slug(note), accountUid: uid)?.state == .deleted)
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
            _ = try await awaitValue("the copy recorded after the retry", timeout: .seconds(90)) {
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
            try await network.connectMastodon()
            _ = try await awaitValue("the edit after reconnecting") {
                try await network.statuses(linking: limited).first { ($0["text"] as? String)?.hasPrefix("Changed while revoked") == true }
            }
        }
    }
}

/// The slug of one of the site's permalinks.
func slug(_ permalink: String) -> String { URL(string: permalink)!.lastPathComponent }
