import Foundation
import MicrocastCore
import Testing

/// The owner follows a fediverse account by its profile URL: here a second
/// Microcast site on loopback, whose home page answers ActivityPub clients
/// as its actor. Our `Follow` goes out signed, the other site accepts it,
/// and what it publishes next arrives in our inbox and our timeline.
@Suite("Following a fediverse account")
struct FediverseFollowTests {
    @Test(
        "a second Microcast site followed by its profile URL: our Follow taken there, its next post in our timeline, our like, repost and reply from the timeline there as a Like, an Announce and a Create; unfollowed, it is gone here and we from its followers"
    )
    func followsAnotherSite() async throws {
        try await TestSite.run(configure: Webmentions.allowPrivate) { other in
            try await TestSite.run(configure: Webmentions.allowPrivate) { site in
                let owner = try await OwnerSession.signIn(site)
                let followed = try await OwnerSession.form(
                    site,
                    "/studio/following",
                    [("csrf", owner.csrf), ("do", "follow"), ("address", other.base + "/")],
                    owner: owner
                )
                let message = try await site.get(try #require(followed.headers.first(name: "Location")), headers: [owner.cookie]).text
                #expect(message.contains("0 entries in the timeline"), "\(message)")
                let follow = try #require(try await site.store.follows().first)
                #expect(follow.feed.format == .activityPub && follow.address == other.base + "/actor")

                // Our Follow reaches the other site, which takes it (it accepts follows at once by default).
                try await Webmentions.eventually("the other site lists us as a follower") {
                    try await other.store.followers().contains { $0.actorId == site.base + "/actor" && $0.state == .accepted }
                }

                // What it publishes next comes to our inbox, and into the timeline with its author.
                let token = try await other.token("create")
                let post = try await Webmentions.createPost(on: other, token: token, [("content", "Hello from the other site")])
                try await Webmentions.eventually("the other site's post is in our timeline") {
                    try await site.store.timeline(limit: 10, before: nil).contains { $0.entry.url?.absoluteString == post }
                }
                let item = try #require(try await site.store.timeline(limit: 10, before: nil).first)
                #expect(item.entry.contentHTML?.contains("Hello from the other site") == true)
                #expect(item.entry.author?.url?.absoluteString == other.base + "/actor" && item.entry.author?.name != nil)
                let page = try await site.get("/studio/timeline", headers: [owner.cookie]).text
                #expect(page.contains("Hello from the other site"))

                // Answers from the timeline reach the account as it understands them: a Like, an Announce, a reply's Create.
                for (answer, text) in [("like", ""), ("repost", ""), ("reply", "Hello back")] {
                    let answered = try await OwnerSession.form(
                        site,
                        "/studio/timeline",
                        [("csrf", owner.csrf), ("do", answer), ("item", "\(item.id)"), ("text", text)],
                        owner: owner
                    )
                    #expect(answered.status == .seeOther)
                }
                // Our answer posts also send Webmentions to the post: a reply that came both ways is one
                // response there, re-verified when the Webmention comes, so only the Like and Announce
                // are sure to stay marked as from the inbox.
                try await Webmentions.eventually("the other site has our like, repost and reply") {
                    let mentions = try await other.store.mentions(state: nil, limit: 20)
                    let fromInbox = mentions.filter { $0.via == Mention.fediverse }.map(\.kind)
                    return fromInbox.contains(.like) && fromInbox.contains(.repost)
                        && mentions.contains { $0.kind == .reply && $0.postSlug == post.components(separatedBy: "/").last }
                }

                // A poll of everything leaves the account alone: its posts come to the inbox.
                let refreshed = try await Microcast.run(["following", "refresh", "--allow-private-fetch", "--data", site.data.path])
                #expect(refreshed.status == 0, "\(refreshed.errors)")
                #expect(try await site.store.follows().first?.failures == 0)

                let gone = try await Microcast.run(["unfollow", other.base + "/actor", "--allow-private-fetch", "--data", site.data.path])
                #expect(gone.status == 0, "\(gone.errors)")
                #expect(try await site.store.timeline(limit: 10, before: nil).isEmpty)
                try await Webmentions.eventually("our Undo reaches the other site, which no longer lists us") {
                    try await !other.store.followers().contains { $0.actorId == site.base + "/actor" }
                }
            }
        }
    }
}
