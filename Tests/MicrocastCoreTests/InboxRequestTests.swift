import Foundation
import MicrocastCore
import Testing

@Suite("What an activity in the inbox asks")
struct InboxRequestTests {
    let urls = SiteURLs(base: "https://me.example")
    let ann = "https://social.example/users/ann"
    var post: String { urls.post(slug: "2026-12-06-hello") }

    func read(_ json: String) throws -> InboxRequest {
        let activity = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)).objectValue)
        return InboxRequest.read(activity, signer: ann, urls: urls)
    }

    @Test("a Follow of the site, and its Undo")
    func follows() throws {
        #expect(try read(#"{"type":"Follow","id":"\#(ann)#f1","actor":"\#(ann)","object":"\#(urls.actor)"}"#) == .follow(id: ann + "#f1"))
        #expect(try read(#"{"type":"Follow","actor":"\#(ann)","object":"https://other.example/users/bo"}"#) == .ignore("a Follow of someone else"))
        #expect(try read(#"{"type":"Undo","actor":"\#(ann)","object":{"type":"Follow","id":"\#(ann)#f1"}}"#) == .unfollow)
    }

    @Test("a reply to one of our posts: its text sanitised, its link only if http(s), its date")
    func reply() throws {
        let json = #"""
            {"type":"Create","actor":"\#(ann)","object":{"id":"\#(ann)/statuses/1","type":"Note","attributedTo":"\#(ann)",
             "inReplyTo":"\#(post)","content":"<p>Lovely <script>alert(1)</script><a href=\"javascript:x\">x</a></p>",
             "url":"javascript:alert(1)","published":"2026-12-06T10:00:00Z"}}
            """#
        guard case .respond(let response) = try read(json) else {
            Issue.record("not read as a response")
            return
        }
        #expect(response.kind == .reply && response.source == ann + "/statuses/1" && response.target == post)
        #expect(response.url == ann + "/statuses/1", "a javascript: URL is not a link")
        #expect(response.contentHTML.contains("Lovely") && !response.contentHTML.contains("script") && !response.contentHTML.contains("javascript"))
        #expect(response.published == Date(timeIntervalSince1970: 1_796_551_200))

        let update = json.replacingOccurrences(of: #""type":"Create""#, with: #""type":"Update""#)
        #expect(try read(update) == (try read(json)), "an Update says the same again")
    }

    @Test("a reply to someone else's post, or attributed to another actor, is not ours to record")
    func notOurs() throws {
        let elsewhere = #"{"type":"Create","actor":"\#(ann)","object":{"id":"x","type":"Note","inReplyTo":"https://other.example/p/1"}}"#
        #expect(try read(elsewhere) == .ignore("a Create that answers nothing of ours"))
        let forged =
            #"{"type":"Create","actor":"\#(ann)","object":{"id":"x","attributedTo":"https://social.example/users/bo","inReplyTo":"\#(post)"}}"#
        #expect(try read(forged) == .ignore("a Create of another actor's object"))
    }

    @Test("likes and boosts of our posts; their Undo, and a Delete, take one back; a Delete of the signer is their account")
    func likesAndWithdrawals() throws {
        #expect(
            try read(#"{"type":"Like","id":"\#(ann)#likes/1","actor":"\#(ann)","object":"\#(post)"}"#)
                == .respond(FediverseResponse(kind: .like, source: ann + "#likes/1", target: post, url: ann + "#likes/1"))
        )
        #expect(
            try read(#"{"type":"Announce","id":"\#(ann)/statuses/2/activity","actor":"\#(ann)","object":{"id":"\#(post)"}}"#)
                == .respond(FediverseResponse(kind: .repost, source: ann + "/statuses/2/activity", target: post, url: ann + "/statuses/2/activity"))
        )
        #expect(
            try read(#"{"type":"Like","id":"l","actor":"\#(ann)","object":"https://other.example/p"}"#) == .ignore("a Like of something not ours")
        )
        #expect(
            try read(#"{"type":"Undo","actor":"\#(ann)","object":{"type":"Like","id":"\#(ann)#likes/1"}}"#) == .withdraw(source: ann + "#likes/1")
        )
        #expect(
            try read(#"{"type":"Delete","actor":"\#(ann)","object":{"type":"Tombstone","id":"\#(ann)/statuses/1"}}"#)
                == .withdraw(source: ann + "/statuses/1")
        )
        #expect(try read(#"{"type":"Delete","actor":"\#(ann)","object":"\#(ann)"}"#) == .accountDeleted)
    }

    @Test("a Move of the signer names where they went; anything else is ignored by its type")
    func moveAndOthers() throws {
        #expect(
            try read(#"{"type":"Move","actor":"\#(ann)","object":"\#(ann)","target":"https://new.example/users/ann"}"#)
                == .moved(to: "https://new.example/users/ann")
        )
        #expect(try read(#"{"type":"Move","actor":"\#(ann)","object":"https://x.example/u/bo","target":"y"}"#) == .ignore("a Move of someone else"))
        #expect(try read(#"{"type":"Block","actor":"\#(ann)","object":"\#(urls.actor)"}"#) == .ignore("Block"))
    }

    @Test("a post of the signer's that answers nothing of ours is for the timeline: sanitised, its attachments sorted, unsafe addresses dropped")
    func posts() throws {
        let json = #"""
            {"type":"Create","actor":"\#(ann)","object":{"id":"\#(ann)/statuses/9","type":"Note","attributedTo":"\#(ann)",
            "url":"javascript:alert(1)","published":"2026-12-06T10:00:00Z",
            "content":"<p>Sea <script>alert(1)</script><a href=\"javascript:x\">link</a></p>",
            "attachment":[{"type":"Document","mediaType":"image/jpeg","url":"https://social.example/m/1.jpg"},
              {"type":"Document","mediaType":"audio/mpeg","url":"https://social.example/m/2.mp3"},
              {"type":"Document","mediaType":"video/mp4","url":"javascript:bad"}]}}
            """#
        guard case .post(let entry) = try read(json) else {
            Issue.record("a Create of the signer's own post is for the timeline")
            return
        }
        #expect(entry.id == ann + "/statuses/9" && entry.url?.absoluteString == ann + "/statuses/9", "an unsafe url falls back to the id")
        #expect(entry.contentHTML?.contains("script") == false && entry.contentHTML?.contains("javascript") == false)
        #expect(entry.photos.map(\.absoluteString) == ["https://social.example/m/1.jpg"])
        #expect(entry.attachments.map(\.kind) == [.audio] && entry.kind == .audio)
        #expect(entry.published == Date(timeIntervalSince1970: 1_796_551_200))
        let article = json.replacingOccurrences(of: #""type":"Note""#, with: #""type":"Article","name":"A title""#)
        guard case .post(let titled) = try read(article) else { return }
        #expect(titled.title == "A title")
        #expect(
            try read(json.replacingOccurrences(of: #""type":"Create""#, with: #""type":"Update""#))
                == .ignore("a Update that answers nothing of ours")
        )
    }
}
