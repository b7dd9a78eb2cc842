import Crypto
import Foundation

/// A followed feed's push subscription at its WebSub hub (W3C WebSub): the
/// callback's unguessable token, the secret the hub signs pushes with, and
/// where the subscription stands. The secret is a credential: it never
/// leaves the store (not in a store copy, not in an archive).
public struct PushSubscription: Sendable, Equatable {
    /// Where a subscription stands.
    public enum State: String, Sendable, Codable {
        /// Asked for; the hub has not verified it yet.
        case requested
        /// Verified by the hub, until `leaseUntil`.
        case active
        /// The hub refused it (`hub.mode=denied`), or asking failed.
        case failed
    }

    public var followId: Int64
    /// The last part of the callback URL: only the hub knows it.
    public var token: String
    public var secret: String
    public var state: State
    public var leaseUntil: Date?
    public var requestedAt: Date
    public var lastError: String?

    public init(
        followId: Int64,
        token: String,
        secret: String,
        state: State,
        leaseUntil: Date? = nil,
        requestedAt: Date,
        lastError: String? = nil
    ) {
        self.followId = followId
        self.token = token
        self.secret = secret
        self.state = state
        self.leaseUntil = leaseUntil
        self.requestedAt = requestedAt
        self.lastError = lastError
    }

    /// A new subscription's request, with a fresh token and secret.
    public static func request(followId: Int64, now: Date) -> PushSubscription {
        PushSubscription(followId: followId, token: Secrets.make(), secret: Secrets.make(), state: .requested, requestedAt: now)
    }

    /// Whether it is time to ask the hub (again): never asked, refused or
    /// unverified for a while (asked again after `retry`), or a lease ending within a day.
    public func isDue(now: Date, retry: TimeInterval) -> Bool {
        switch state {
        case .active: (leaseUntil ?? now) < now.addingTimeInterval(WebSub.renewBefore)
        case .requested, .failed: requestedAt.addingTimeInterval(retry) <= now
        }
    }
}

/// The subscriber's side of WebSub: what is sent to a hub, what a hub's
/// verification request must say, and whether a push is signed by the hub.
public enum WebSub {
    /// The lease asked for (hubs may grant less): ten days.
    public static let leaseAsked: TimeInterval = 10 * 24 * 3600
    /// A lease is renewed when less than this is left.
    public static let renewBefore: TimeInterval = 24 * 3600
    /// A push's body: the feed as a poll would read it, no larger.
    public static let maxPushBytes = 8 << 20

    /// The subscription request's form (WebSub §5.1).
    public static func subscribeForm(topic: URL, callback: URL, secret: String) -> [(String, String)] {
        [
            ("hub.mode", "subscribe"), ("hub.topic", topic.absoluteString), ("hub.callback", callback.absoluteString),
            ("hub.secret", secret), ("hub.lease_seconds", String(Int(leaseAsked))),
        ]
    }

    /// What a hub's verification request (WebSub §5.3) asks.
    public enum Verification: Equatable, Sendable {
        case subscribe(topic: String, challenge: String, leaseSeconds: TimeInterval?)
        case unsubscribe(topic: String, challenge: String)
        case denied(topic: String, reason: String?)
    }

    /// The verification request in `query`, or nil when it is not one.
    public static func verification(_ query: [String: String]) -> Verification? {
        guard let mode = query["hub.mode"], let topic = query["hub.topic"] else { return nil }
        switch mode {
        case "subscribe":
            guard let challenge = query["hub.challenge"], !challenge.isEmpty else { return nil }
            return .subscribe(topic: topic, challenge: challenge, leaseSeconds: query["hub.lease_seconds"].flatMap(TimeInterval.init))
        case "unsubscribe":
            guard let challenge = query["hub.challenge"], !challenge.isEmpty else { return nil }
            return .unsubscribe(topic: topic, challenge: challenge)
        case "denied":
            return .denied(topic: topic, reason: query["hub.reason"])
        default:
            return nil
        }
    }

    /// Whether `header` (`X-Hub-Signature: METHOD=HEX`, WebSub §8) is the
    /// HMAC of `body` under `secret`. sha1 is still what most hubs send;
    /// anything else, or no header, is not the hub.
    public static func isSigned(_ body: Data, header: String?, secret: String) -> Bool {
        guard let header, let equals = header.firstIndex(of: "=") else { return false }
        let method = header[..<equals].lowercased()
        let sent = header[header.index(after: equals)...].lowercased()
        let key = SymmetricKey(data: Data(secret.utf8))
        let expected: String
        switch method {
        case "sha1": expected = Data(HMAC<Insecure.SHA1>.authenticationCode(for: body, using: key)).hexString
        case "sha256": expected = Data(HMAC<SHA256>.authenticationCode(for: body, using: key)).hexString
        case "sha384": expected = Data(HMAC<SHA384>.authenticationCode(for: body, using: key)).hexString
        case "sha512": expected = Data(HMAC<SHA512>.authenticationCode(for: body, using: key)).hexString
        default: return false
        }
        return Secrets.constantTimeEquals(expected, String(sent))
    }
}
