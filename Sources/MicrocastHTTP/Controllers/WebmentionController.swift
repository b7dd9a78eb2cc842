import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore

/// The Webmention endpoint (W3C Webmention, section 3.2): checks what it can
/// without fetching, records the mention as pending, queues its verification
/// and answers 202 with a status URL. Never fetches on the request path.
struct WebmentionController: Sendable {
    /// A form of two URLs; anything larger is not a Webmention.
    static let maxBodyBytes = 8 * 1024

    let store: any DataStore
    let urls: SiteURLs
    let limiter: SenderRateLimit

    func addRoutes(to router: RouterGroup<AppRequestContext>) {
        router.post("/webmention") { request, _ in try await receive(request) }
        router.get("/webmention/status/{id}") { _, context in
            try await status(id: context.parameters.require("id"))
        }
    }

    func receive(_ request: Request) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw MicropubError(.invalidRequest, "a Webmention is a small form: source and target", status: 413)
        }
        var form: [String: String] = [:]
        for (name, value) in FormEncoding.decode(String(buffer: body)) where form[name] == nil { form[name] = value }
        let store = self.store
        let accepted: WebmentionRequest
        do {
            accepted = try await Self.validate(form, urls: urls, store: store)
        } catch let refusal as WebmentionRefusal {
            throw MicropubError(.invalidRequest, refusal.description, status: 400)
        }
        let domain = Mention.domain(of: accepted.source.absoluteString)
        // By sender, not by spelling: localhost, 127.1 and 2130706433 are one.
        guard await limiter.admit(SenderKey.of(host: domain)) else {
            throw MicropubError(.invalidRequest, "too many Webmentions from \(domain); try again later", status: 429)
        }
        let now = Date()
        var mention = try await store.receiveMention(
            source: accepted.source.absoluteString,
            target: accepted.target.absoluteString,
            postSlug: accepted.postSlug,
            newId: MentionIdentifier.make(),
            now: now
        )
        if mention.via != nil {
            // A response read from another network: its network keeps it up to date, not this request.
        } else if MentionPolicy(settings: try await store.settings()).isBlocked(domain) {
            // Answered like any other, so a blocked sender learns nothing.
            mention.state = .rejected
            mention.reason = "not accepted"
            mention.detail = "the sender's domain is blocked"
            try await store.saveMention(mention)
        } else {
            try await store.enqueue(JobRequest(kind: .verifyMention, subject: .mention(mention.id)), now: now)
        }
        let location = urls.webmentionStatus(id: mention.id)
        let answer: JSONValue = .object(["status": .string("pending"), "location": .string(location)])
        return Response(
            status: .accepted,
            headers: [.location: location, .contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: (try? JSONEncoder.sorted.encode(answer)) ?? Data()))
        )
    }

    static func validate(_ form: [String: String], urls: SiteURLs, store: any DataStore) async throws -> WebmentionRequest {
        // The post lookup needs the store; the rest of the checks are pure.
        var slug: String?
        if let target = form["target"], let url = URL(string: target), let candidate = WebmentionRequest.slug(of: url, urls: urls),
            let post = try await store.post(slug: candidate), post.status == .published, post.deletedAt == nil
        {
            slug = post.slug
        }
        return try WebmentionRequest(form: form, urls: urls) { _ in slug }
    }

    /// `pending` while the source is checked; `accepted` once verified (shown, or waiting for the owner); `rejected` and why.
    func status(id: String) async throws -> Response {
        guard MentionIdentifier.isValid(id), let mention = try await store.mention(id: id) else {
            throw MicropubError(.notFound, "no Webmention has this status URL", status: 404)
        }
        let status: String
        switch mention.state {
        case .pending: status = "pending"
        case .held, .shown: status = "accepted"
        case .rejected: status = "rejected"
        }
        var answer: [String: JSONValue] = [
            "status": .string(status), "source": .string(mention.source), "target": .string(mention.target),
        ]
        if mention.state == .held { answer["detail"] = .string("verified; waiting for the owner's approval") }
        if let reason = mention.reason, mention.state == .rejected { answer["detail"] = .string(reason) }
        return JSONResponse.ok(.object(answer))
    }
}

/// Mention ids: random, like media ids, so status URLs cannot be guessed.
enum MentionIdentifier {
    static func make() -> String { MediaIdentifier.make() }
    static func isValid(_ id: String) -> Bool { MediaIdentifier.isValid(id) }
}

/// At most `limit` Webmentions per sender (`SenderKey`: an address however
/// written, or a registrable domain) in any `window`: a sender cannot fill the queue. Kept in memory; a restart forgets, which is fine
/// for a limit measured in minutes.
actor SenderRateLimit {
    let limit: Int
    let window: TimeInterval
    private var seen: [String: [Date]] = [:]

    init(limit: Int = 30, window: TimeInterval = 600) {
        self.limit = limit
        self.window = window
    }

    func admit(_ domain: String, now: Date = Date()) -> Bool {
        var times = (seen[domain] ?? []).filter { now.timeIntervalSince($0) < window }
        guard times.count < limit else {
            seen[domain] = times
            return false
        }
        times.append(now)
        seen[domain] = times
        if seen.count > 10_000 {
            seen = seen.filter { _, times in times.last.map { now.timeIntervalSince($0) < window } ?? false }
        }
        return true
    }
}
