import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import MicrocastCore
import NIOCore
import Synchronization
import TestSupport
import Testing

/// A followed feed that names a WebSub hub is pushed to us by the hub, and
/// its new entries are in the timeline at once; the hub here is the test's
/// own, on loopback, doing what WebSub §5 and §7 say a hub does.
@Suite("Following: WebSub pushes")
struct WebSubTests {
    /// The test's hub: what it was asked, and whether our callback proved the subscription.
    final class Hub: Sendable {
        let state = Mutex((callback: String?.none, secret: String?.none, topic: String?.none, verified: false, lease: 0))
    }

    static func rss(_ base: String, titles: [String]) -> String {
        let items = titles.enumerated().reversed().map { index, title in
            "<item><title>\(title)</title><guid>\(title)</guid><pubDate>Mon, 0\(index + 1) Nov 2026 10:00:00 GMT</pubDate></item>"
        }
        return "<rss version=\"2.0\"><channel><title>Pushy</title><link>\(base)/</link>\(items.joined())</channel></rss>"
    }

    @Test(
        "a feed naming a hub is subscribed to and verified; a signed push is in the timeline at once; a forged push, a wrong topic and an unknown callback are refused"
    )
    func pushes() async throws {
        let hub = Hub()
        try await PeerServer.run { router, base, _ in
            router.get("/feed.xml") { _, _ in
                Response(
                    status: .ok,
                    headers: [
                        .contentType: "application/rss+xml", HTTPField.Name("Link")!: "<\(base)/hub>; rel=\"hub\", <\(base)/feed.xml>; rel=\"self\"",
                    ],
                    body: .init(byteBuffer: ByteBuffer(string: Self.rss(base, titles: ["One"])))
                )
            }
            router.post("/hub") { request, _ in
                let body = try await request.body.collect(upTo: 1 << 16)
                let form = Dictionary(FormEncoding.decode(String(buffer: body)).map { ($0.name, $0.value) }) { first, _ in first }
                guard form["hub.mode"] == "subscribe", let callback = form["hub.callback"], let topic = form["hub.topic"] else {
                    return Response(status: .badRequest)
                }
                hub.state.withLock { ($0.callback, $0.secret, $0.topic) = (callback, form["hub.secret"], topic) }
                // Verification of intent comes after the answer, as a hub's does.
                Task {
                    let query = "hub.mode=subscribe&hub.topic=\(FormEncoding.escape(topic))&hub.challenge=c-42&hub.lease_seconds=600"
                    let answer = try await TestSite.client.execute(.init(url: callback + "?" + query), timeout: .seconds(60))
                    let echoed = String(buffer: try await answer.body.collect(upTo: 1024))
                    hub.state.withLock { $0.verified = answer.status == .ok && echoed == "c-42" }
                }
                return Response(status: .accepted)
            }
        } body: { peer in
            try await TestSite.run { site in
                let feed = peer.base + "/feed.xml"
                let followed = try await Microcast.run(["follow", feed, "--allow-private-fetch", "--data", site.data.path])
                #expect(followed.status == 0 && followed.output.contains("pushed by \(peer.base)/hub"), "\(followed.output) \(followed.errors)")
                try await Self.waitUntil { hub.state.withLock { $0.verified } }
                let asked = hub.state.withLock { $0 }
                #expect(asked.topic == feed && asked.callback?.hasPrefix(site.base + "/websub/") == true, "\(asked)")
                let follow = try #require(try await site.store.follows().first)
                let subscription = try #require(try await site.store.pushSubscription(followId: follow.id))
                #expect(subscription.state == .active && subscription.leaseUntil != nil)

                let callback = try #require(asked.callback)
                let secret = try #require(asked.secret)
                func push(_ titles: [String], signedWith key: String) async throws -> UInt {
                    let body = Data(Self.rss(peer.base, titles: titles).utf8)
                    let mac = Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(key.utf8))))
                    var request = HTTPClientRequest(url: callback)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/rss+xml")
                    request.headers.add(name: "X-Hub-Signature", value: "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
                    request.body = .bytes(ByteBuffer(bytes: body))
                    return try await TestSite.client.execute(request, timeout: .seconds(60)).status.code
                }
                #expect(try await push(["One", "Two"], signedWith: secret) == 202)
                // Taken in the push's own request: no poll is due for fifteen minutes.
                #expect(try await site.store.timeline(limit: 10, before: nil).map(\.entry.title) == ["Two", "One"])

                #expect(try await push(["One", "Two", "Forged"], signedWith: "not the secret") == 202, "acknowledged, as WebSub asks")
                #expect(!(try await site.store.timeline(limit: 10, before: nil).map(\.entry.title)).contains("Forged"))

                let wrongTopic = try await site.get(
                    "/websub/" + callback.split(separator: "/").last.map(String.init)!
                        + "?hub.mode=subscribe&hub.topic=https%3A%2F%2Fother.example%2F&hub.challenge=x"
                )
                #expect(wrongTopic.status == .notFound, "a subscription this site did not ask for is not confirmed")
                let stranger = try await site.request("/websub/not-a-token", method: .POST, headers: [], body: Data("<rss/>".utf8))
                #expect(stranger.status == .gone)
            }
        }
    }

    static func waitUntil(_ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw Fixtures.CommandFailed(description: "the condition never held") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
