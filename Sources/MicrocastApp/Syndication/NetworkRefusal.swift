import Foundation
import MicrocastCore
import NIOCore
import NIOHTTP1

/// Why a network did not do what was asked, sorted by what the job does next.
package enum NetworkRefusal: Error, Equatable, CustomStringConvertible {
    /// The credentials are expired or revoked: the account waits for the owner to reconnect.
    case credentials(String)
    /// Too many requests (or the network's own "come back later"): wait `after` seconds.
    case slowDown(after: TimeInterval, String)
    /// The network will not take this request as it is: trying again cannot help.
    case rejected(String)
    /// The network is down or answered with its own error: try again later.
    case unavailable(String)

    package var description: String {
        switch self {
        case .credentials(let why): "the network refused the account's credentials: \(why)"
        case .slowDown(let after, let why): "\(why); asked to wait \(Int(after)) s"
        case .rejected(let why): why
        case .unavailable(let why): why
        }
    }

    /// The answer if it succeeded (2xx); otherwise what it means. `what`
    /// names the call, for the owner ("posting the status").
    package static func check(_ answer: FetchedResource, _ what: String, now: Date = Date()) throws -> FetchedResource {
        guard !(200..<300).contains(answer.status) else { return answer }
        let reason = "\(what): \(answer.status) \(message(in: answer))"
        switch answer.status {
        case 401: throw NetworkRefusal.credentials(reason)
        case 429, 503:
            throw NetworkRefusal.slowDown(after: wait(answer.headers, now: now) ?? (answer.status == 429 ? 60 : 30), reason)
        case 400..<500:
            // The AT Protocol says an expired or bad token with a 400 and a name.
            let name = errorName(in: answer)
            if ["ExpiredToken", "InvalidToken", "AuthenticationRequired", "AccountTakedown"].contains(name) {
                throw NetworkRefusal.credentials(reason)
            }
            if name == "RateLimitExceeded" { throw NetworkRefusal.slowDown(after: wait(answer.headers, now: now) ?? 60, reason) }
            throw NetworkRefusal.rejected(reason)
        default: throw NetworkRefusal.unavailable(reason)
        }
    }

    /// How long the answer asks us to wait, in seconds: `Retry-After` (seconds
    /// or a date), else a rate limit's reset once nothing remains
    /// (Mastodon's `X-RateLimit-Reset`, an ISO 8601 date; the AT
    /// Protocol's `RateLimit-Reset`, seconds since 1970).
    package static func wait(_ headers: HTTPHeaders, now: Date) -> TimeInterval? {
        if let retry = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) {
            if let seconds = TimeInterval(retry) { return max(0, seconds) }
            if let date = HTTPDate.parse(retry) { return max(0, date.timeIntervalSince(now)) }
        }
        let remaining = headers.first(name: "x-ratelimit-remaining") ?? headers.first(name: "ratelimit-remaining")
        guard remaining.flatMap({ Int($0) }) == 0 else { return nil }
        if let reset = headers.first(name: "x-ratelimit-reset") {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: reset) ?? ISO8601DateFormatter().date(from: reset) {
                return max(0, date.timeIntervalSince(now))
            }
        }
        if let reset = headers.first(name: "ratelimit-reset").flatMap(TimeInterval.init) {
            return max(0, reset - now.timeIntervalSince1970)
        }
        return nil
    }

    /// The network's own words: Mastodon's `error`, the AT Protocol's `message` (or `error`).
    static func message(in answer: FetchedResource) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [String: Any] else {
            return String(answer.text.prefix(200))
        }
        let words = (object["message"] as? String) ?? (object["error"] as? String) ?? ""
        return String(words.prefix(300))
    }

    static func errorName(in answer: FetchedResource) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [String: Any] else { return nil }
        return object["error"] as? String
    }
}

extension FetchedResource {
    /// The body decoded as JSON.
    package func decode<T: Decodable>(_ type: T.Type, _ what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body.readableBytesView))
        } catch {
            throw NetworkRefusal.unavailable("\(what): an answer that could not be read (\(error))")
        }
    }
}
