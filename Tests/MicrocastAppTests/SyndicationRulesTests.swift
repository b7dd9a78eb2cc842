import Foundation
import MicrocastApp
import MicrocastCore
import NIOHTTP1
import Testing

@Suite("Syndication's rules, without a network")
struct SyndicationRulesTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("how long a network asks us to wait: Retry-After in seconds or as a date, else a spent rate limit's reset")
    func waits() {
        #expect(NetworkRefusal.wait(["Retry-After": "7"], now: now) == 7)
        #expect(NetworkRefusal.wait(["Retry-After": HTTPDate.format(now.addingTimeInterval(90))], now: now) == 90)
        let iso = ISO8601DateFormatter().string(from: now.addingTimeInterval(300))
        #expect(NetworkRefusal.wait(["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": iso], now: now) == 300)
        #expect(NetworkRefusal.wait(["RateLimit-Remaining": "0", "RateLimit-Reset": "\(Int(now.timeIntervalSince1970) + 45)"], now: now) == 45)
        #expect(NetworkRefusal.wait(["X-RateLimit-Remaining": "12", "X-RateLimit-Reset": iso], now: now) == nil, "not spent yet")
    }

    @Test("record keys are TIDs: 13 characters of base32-sortable, later keys sorting later")
    func recordKeys() {
        let first = RecordKey.tid(now: now, clockId: 5)
        let later = RecordKey.tid(now: now.addingTimeInterval(0.001), clockId: 1)
        #expect(first.count == 13 && first.allSatisfy { "234567abcdefghijklmnopqrstuvwxyz".contains($0) })
        #expect("234567abcdefghij".contains(first.first!), "the top bit is zero")
        #expect(first < later)
    }

    @Test("PKCE's S256 challenge is RFC 7636's own example")
    func pkce() {
        #expect(MastodonClient.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test("a server's origin from what the owner types")
    func origins() throws {
        #expect(try MastodonClient.origin("social.example").absoluteString == "https://social.example")
        #expect(try MastodonClient.origin("https://social.example/@me").absoluteString == "https://social.example")
        #expect(try MastodonClient.origin("http://127.0.0.1:3000/").absoluteString == "http://127.0.0.1:3000")
        #expect(throws: NetworkRefusal.self) { try MastodonClient.origin("ftp://x") }
    }

    @Test("credentials print as their kind only")
    func redacted() {
        let secret = "app-password-value"
        let credentials = SyndicationCredentials.bluesky(
            BlueskyCredentials(handle: "a.test", did: "did:plc:x", pds: "https://pds", appPassword: secret)
        )
        #expect(!"\(credentials)".contains(secret) && !String(reflecting: credentials).contains(secret))
    }
}
