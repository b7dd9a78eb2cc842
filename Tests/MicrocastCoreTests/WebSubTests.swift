import Crypto
import Foundation
import MicrocastCore
import Testing

@Suite("WebSub, the subscriber's side")
struct WebSubProtocolTests {
    @Test("a push is the hub's only when its X-Hub-Signature is the HMAC of the body under the secret (sha1, sha256, sha384, sha512)")
    func signatures() {
        let body = Data("<rss/>".utf8)
        let key = SymmetricKey(data: Data("s3cret".utf8))
        let sha1 = Data(HMAC<Insecure.SHA1>.authenticationCode(for: body, using: key)).hexString
        let sha256 = Data(HMAC<SHA256>.authenticationCode(for: body, using: key)).hexString
        let sha512 = Data(HMAC<SHA512>.authenticationCode(for: body, using: key)).hexString
        #expect(WebSub.isSigned(body, header: "sha1=\(sha1)", secret: "s3cret"))
        #expect(WebSub.isSigned(body, header: "SHA256=\(sha256.uppercased())", secret: "s3cret"))
        #expect(WebSub.isSigned(body, header: "sha512=\(sha512)", secret: "s3cret"))
        #expect(!WebSub.isSigned(body, header: "sha256=\(sha256)", secret: "other"))
        #expect(!WebSub.isSigned(Data("<rss></rss>".utf8), header: "sha256=\(sha256)", secret: "s3cret"))
        #expect(!WebSub.isSigned(body, header: "md5=\(sha256)", secret: "s3cret"))
        #expect(!WebSub.isSigned(body, header: nil, secret: "s3cret"))
        #expect(!WebSub.isSigned(body, header: sha256, secret: "s3cret"))
    }

    @Test("a hub's verification request is read as the specification writes it; anything else is not one")
    func verification() {
        #expect(
            WebSub.verification(["hub.mode": "subscribe", "hub.topic": "t", "hub.challenge": "c", "hub.lease_seconds": "600"])
                == .subscribe(topic: "t", challenge: "c", leaseSeconds: 600)
        )
        #expect(WebSub.verification(["hub.mode": "unsubscribe", "hub.topic": "t", "hub.challenge": "c"]) == .unsubscribe(topic: "t", challenge: "c"))
        #expect(WebSub.verification(["hub.mode": "denied", "hub.topic": "t", "hub.reason": "no"]) == .denied(topic: "t", reason: "no"))
        #expect(WebSub.verification(["hub.mode": "subscribe", "hub.topic": "t"]) == nil, "no challenge")
        #expect(WebSub.verification(["hub.mode": "publish", "hub.topic": "t", "hub.challenge": "c"]) == nil)
    }

    @Test("a subscription is asked for again when unverified or refused for a while, or a day before its lease ends")
    func renewal() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        var subscription = PushSubscription(followId: 1, token: "t", secret: "s", state: .requested, requestedAt: now)
        #expect(!subscription.isDue(now: now.addingTimeInterval(60), retry: 3600))
        #expect(subscription.isDue(now: now.addingTimeInterval(3600), retry: 3600))
        subscription.state = .active
        subscription.leaseUntil = now.addingTimeInterval(10 * 24 * 3600)
        #expect(!subscription.isDue(now: now.addingTimeInterval(3600), retry: 3600))
        #expect(subscription.isDue(now: now.addingTimeInterval(9.5 * 24 * 3600), retry: 3600))
        let form = Dictionary(
            uniqueKeysWithValues: WebSub.subscribeForm(
                topic: URL(string: "https://a.example/feed")!,
                callback: URL(string: "https://me.example/websub/t")!,
                secret: "s"
            )
        )
        #expect(form["hub.mode"] == "subscribe" && form["hub.topic"] == "https://a.example/feed" && form["hub.secret"] == "s")
        #expect(form["hub.callback"] == "https://me.example/websub/t" && form["hub.lease_seconds"] == "864000")
    }
}
