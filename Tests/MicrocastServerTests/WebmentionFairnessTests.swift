import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import Synchronization
import TestSupport
import Testing

/// Webmention verification under a slow sender (issue 25): 30 sources that
/// never answer, from one machine spelled five ways, must not keep anyone
/// else's mention waiting, nor our own sending.
@Suite("Webmention fairness")
struct WebmentionFairnessTests {
    /// The slow peer's requests: how many are open now, the most ever open at once, and the gate that holds them.
    final class Slow: Sendable {
        private let state = Mutex<(open: Int, most: Int, total: Int, waiting: [CheckedContinuation<Void, Never>], released: Bool)>(
            (0, 0, 0, [], false)
        )
        var most: Int { state.withLock { $0.most } }
        var total: Int { state.withLock { $0.total } }

        func hold() async {
            await withCheckedContinuation { continuation in
                let resume = state.withLock { state -> Bool in
                    state.open += 1
                    state.total += 1
                    state.most = max(state.most, state.open)
                    if state.released { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if resume { continuation.resume() }
            }
            state.withLock { $0.open -= 1 }
        }

        func release() {
            let waiting = state.withLock { state in
                state.released = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume() }
        }
    }

    @Test(
        "30 slow sources from one machine under five spellings: one is fetched at a time, a 31st Webmention is refused, and a normal mention and our own sending go through meanwhile"
    )
    func slowSenderWaitsForItself() async throws {
        let slow = Slow()
        let conversations = Webmentions.self
        try await PeerServer.run { router, _, _ in
            router.get("/slow/{n}") { request, _ in
                await slow.hold()
                return PeerServer.html(#"<a href="\#(request.uri.queryParameters.get("t") ?? "")">late</a>"#)
            }
        } body: { slowPeer in
            try await PeerServer.run(address: "127.0.0.2") { router, base, received in
                router.get("/reply") { request, _ in
                    PeerServer.html(
                        #"<div class="h-entry"><a class="u-in-reply-to" href="\#(request.uri.queryParameters.get("t") ?? "")">re</a> On time</div>"#
                    )
                }
                router.get("/article") { _, _ in PeerServer.html(#"<link rel="webmention" href="\#(base)/endpoint"><p>An article</p>"#) }
                router.post("/endpoint", use: PeerServer.recordingEndpoint(received))
            } body: { fastPeer in
                try await TestSite.run(configure: Webmentions.allowPrivate) { site in
                    defer { slow.release() }
                    let token = try await site.token("create")
                    let post = try await conversations.createPost(on: site, token: token, [("content", "Talk to me")])
                    let encoded = post.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? post
                    let port = try #require(URL(string: slowPeer.base)?.port)
                    let spellings = ["localhost", "127.1", "2130706433", "127.0.0.1", "0x7f.0.0.1"]
                    for n in 0..<30 {
                        let source = "http://\(spellings[n % spellings.count]):\(port)/slow/\(n)?t=\(encoded)"
                        let sent = try await conversations.sendWebmention(to: site, source: source, target: post)
                        #expect(sent.status == .accepted, "\(source): \(sent.text)")
                    }
                    // However it is spelled, it is one sender, and its 31st in ten minutes is refused.
                    let refused = try await conversations.sendWebmention(to: site, source: "http://127.0.0.1:\(port)/slow/31", target: post)
                    #expect(refused.status == .tooManyRequests)

                    let start = ContinuousClock.now
                    let normal = try await conversations.sendWebmention(to: site, source: fastPeer.base + "/reply?t=\(encoded)", target: post)
                    #expect(normal.status == .accepted)
                    // Our own post links a page elsewhere: its Webmention is sent while the slow sources hang.
                    _ = try await conversations.createPost(
                        on: site,
                        token: token,
                        [("content", "Worth reading"), ("bookmark-of", fastPeer.base + "/article")]
                    )
                    try await conversations.eventually("the normal mention is verified") {
                        try await conversations.status(site, normal)["status"] as? String == "accepted"
                    }
                    try await conversations.eventually("our Webmention reaches the article") {
                        await fastPeer.received.posts.contains { $0.path == "/endpoint" }
                    }
                    let waited = ContinuousClock.now - start
                    #expect(slow.total >= 1, "the slow sender was asked")
                    #expect(slow.most == 1, "one source of the slow sender at a time, not \(slow.most)")
                    print("fairness: a normal mention verified \(waited) after it was sent, with 30 slow sources waiting")
                }
            }
        }
    }
}
