import Foundation
import HTMLKit
import MicrocastCore
import Synchronization

/// Verifies a received Webmention: fetches its source (through the safe
/// fetcher), decides whether it links us and what it is, and whether it is
/// shown, held for the owner, or refused and why. One source per sender is
/// fetched at a time, so a sender with slow pages delays only itself.
struct VerifyMentionJob: JobHandler {
    let kind = JobKind.verifyMention
    let pool = JobPool.verification
    let store: any DataStore
    let fetcher: SafeFetcher
    let avatars: AvatarStore
    /// Senders being fetched now: one source per sender at a time.
    let turns: SenderTurns

    func run(_ job: Job) async throws -> JobDone {
        guard case .mention(let id) = job.subject else { throw JobSetback.giveUp("not a mention") }
        return try await verify(mentionId: id, attempts: job.attempts, isLastAttempt: job.isLastAttempt)
    }

    /// Fetches the source and decides: shown, held for the owner, or rejected (and why).
    func verify(mentionId: String, attempts: Int, isLastAttempt: Bool) async throws -> JobDone {
        guard var mention = try await store.mention(id: mentionId) else { return JobDone(summary: "gone") }
        // A response read from another network came through its API, not a page of the sender's.
        guard mention.via == nil else { return JobDone(summary: "from \(mention.via ?? ""): nothing to verify") }
        let policy = MentionPolicy(settings: try await store.settings())
        guard !policy.isBlocked(mention.domain) else {
            return reject(&mention, "not accepted", detail: "the sender's domain is blocked")
        }
        guard let source = URL(string: mention.source), let target = URL(string: mention.target) else {
            return reject(&mention, "the source or target is not a URL")
        }
        // One fetch per sender at a time, by the name as a machine reads it and
        // by the address it resolves to: a sender with slow pages waits for
        // itself, never in front of everyone else.
        let host = source.host ?? ""
        var senders = [SenderKey.of(host: host)]
        if let address = try? await fetcher.resolver.addresses(of: host).first { senders.append(address.description) }
        guard turns.enter(senders) else {
            throw JobSetback.postpone("waiting for another source from \(senders[0]) to be fetched first", after: 2)
        }
        defer { turns.leave(senders) }
        let page: FetchedResource
        do {
            page = try await fetcher.get(source)
        } catch let error as FetchError {
            // The sender learns only that the fetch failed: not what a name resolved
            // to, nor a refusal told apart from a timeout. The owner reads the detail.
            switch error {
            case .timedOut, .failed:
                guard isLastAttempt else { throw TryAgain("the source could not be fetched: \(error)") }
                return reject(&mention, FetchError.publicReason, detail: "the source could not be fetched, \(attempts) tries: \(error)")
            default: return reject(&mention, FetchError.publicReason, detail: "the source was not fetched: \(error)")
            }
        }
        switch page.status {
        case 200..<300: break
        case 404, 410: return reject(&mention, "the source answers \(page.status): it is gone")
        case 500...:
            guard isLastAttempt else { throw TryAgain("the source answered \(page.status)") }
            return reject(&mention, "the source answered \(page.status)")
        default: return reject(&mention, "the source answered \(page.status)")
        }

        let reading: MentionReading?
        if page.isHTML {
            reading = MentionReader.read(html: page.text, source: page.url, target: target)
        } else if page.contentType.hasPrefix("text/") || page.contentType.contains("json") {
            reading =
                MentionReader.textLinks(page.text, target: target)
                ? MentionReading(
                    kind: .mention,
                    author: MentionAuthor(name: source.host ?? "", url: source.absoluteString),
                    contentHTML: "",
                    published: nil,
                    url: source.absoluteString
                )
                : nil
        } else {
            reading = nil
        }
        guard let reading else { return reject(&mention, "the source does not link to the target") }

        let previousPhoto = mention.author
        mention.kind = reading.kind
        mention.author = reading.author
        if reading.author.remotePhoto == previousPhoto.remotePhoto { mention.author.photoFile = previousPhoto.photoFile }
        mention.contentHTML = reading.contentHTML
        mention.published = reading.published
        mention.url = reading.url
        mention.reason = nil
        mention.detail = nil
        mention.state = policy.state(forVerifiedFrom: mention.domain)
        if mention.state == .held { mention.reason = "waiting for the owner's approval" }
        if mention.author.photoFile.isEmpty, let photo = URL(string: mention.author.remotePhoto), !mention.author.remotePhoto.isEmpty {
            mention.author.photoFile = (try? await avatars.fileName(for: photo)) ?? ""
        }
        mention.updatedAt = Date()
        return JobDone(.mentionVerified(mention), summary: "\(mention.state.rawValue) \(mention.kind.rawValue)")
    }

    /// The mention refused, to be saved with the job's end: `reason` for the
    /// sender (the public status), `detail` for the owner when it says more.
    func reject(_ mention: inout Mention, _ reason: String, detail: String? = nil) -> JobDone {
        mention.state = .rejected
        mention.reason = reason
        mention.detail = detail
        mention.updatedAt = Date()
        return JobDone(.mentionVerified(mention), summary: "rejected: \(detail ?? reason)")
    }
}

/// A transient failure (a timeout, a 5xx): the job is tried again later.
struct TryAgain: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The senders whose sources are being fetched now, in this process.
final class SenderTurns: Sendable {
    private let busy = Mutex<Set<String>>([])

    /// Takes every one of `senders`, or none if any is taken.
    func enter(_ senders: [String]) -> Bool {
        busy.withLock { busy in
            guard busy.isDisjoint(with: senders) else { return false }
            busy.formUnion(senders)
            return true
        }
    }

    func leave(_ senders: [String]) { busy.withLock { $0.subtract(senders) } }
}
