import Crypto
import Foundation
import HTMLKit
import Logging
import MediaEngine
import MediaKit
import MediaModel
import MicrocastCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Runs the conversation jobs: verifying received Webmentions and sending
/// ours. Network-bound, so it has its own loops and never waits behind a
/// transcode; every fetch goes through the `SafeFetcher`.
public struct ConversationWorker: Service {
    let queue: any JobQueue
    let store: any DataStore
    let fetcher: SafeFetcher
    let site: SiteDirectory
    let avatars: AvatarStore
    /// Verifications at once: network-bound, so several, each waiting on a different sender.
    let verifyLoops: Int
    /// Sends at once, on loops of their own: a slow stranger never holds up our own Webmentions.
    let sendLoops: Int
    /// Senders being fetched now: one source per sender at a time.
    let turns = SenderTurns()
    let pollInterval: Duration
    let lease: TimeInterval
    let logger: Logger
    let name = MediaWorker.localName(pid: ProcessInfo.processInfo.processIdentifier)

    /// A transient failure (a timeout, a 5xx): the job is tried again later.
    struct TryAgain: Error, CustomStringConvertible {
        let description: String
    }

    /// Another source of the same sender is being fetched: this one waits its
    /// turn, without spending an attempt, and the loop takes someone else's.
    struct NotYourTurn: Error, CustomStringConvertible {
        let sender: String
        var description: String { "waiting for another source from \(sender) to be fetched first" }
    }

    public func run() async throws {
        guard verifyLoops + sendLoops > 0 else { return await runLoops(0) { _ in } }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await runLoops(verifyLoops) { index in await loop(id: "\(name)-verify\(index)", kinds: [.verifyMention]) } }
            group.addTask { await runLoops(sendLoops) { index in await loop(id: "\(name)-send\(index)", kinds: [.sendMentions]) } }
        }
    }

    func loop(id: String, kinds: [JobKind]) async {
        await queue.claimJobs(worker: id, kinds: kinds, lease: lease, pollInterval: pollInterval, logger: logger) { job in
            await run(job, worker: id)
        }
    }

    func run(_ job: Job, worker: String) async {
        let start = ContinuousClock.now
        var metadata: Logger.Metadata = [
            "job": "\(job.id)", "kind": "\(job.kind.rawValue)", "subject": "\(job.subject)", "attempt": "\(job.attempts)",
        ]
        do {
            let (summary, result) = try await queue.withLeaseRenewed(job, worker: worker, lease: lease) {
                switch job.kind {
                case .verifyMention:
                    try await verify(mentionId: job.subject, attempts: job.attempts, isLastAttempt: job.attempts >= job.maxAttempts)
                case .sendMentions: (try await send(postSlug: job.subject), JobResult.nothing)
                default: throw TryAgain(description: "not a conversation job")
                }
            }
            let queue = self.queue
            try await writeOutcome { try await queue.complete(jobId: job.id, result: result, now: Date()) }
            metadata["outcome"] = "done"
            metadata["result"] = "\(summary)"
        } catch let wait as NotYourTurn {
            do {
                let queue = self.queue
                try await writeOutcome {
                    try await queue.requeue(jobId: job.id, reason: wait.description, runAfter: Date().addingTimeInterval(2), now: Date())
                }
            } catch let storeError {
                metadata["store-error"] = "\(storeError)"
            }
            metadata["outcome"] = "waiting its turn"
            metadata["reason"] = "\(wait.description)"
        } catch {
            let retryAt = Date().addingTimeInterval(MediaWorker.backoff(attempt: job.attempts))
            do {
                let (queue, reason) = (self.queue, "\(error)")
                try await writeOutcome { try await queue.fail(jobId: job.id, reason: reason, retryAt: retryAt, now: Date()) }
            } catch let storeError {
                metadata["store-error"] = "\(storeError)"
                logger.error("job outcome not recorded; it runs again after its lease", metadata: ["job": "\(job.id)", "error": "\(storeError)"])
            }
            metadata["outcome"] = job.attempts >= job.maxAttempts ? "failed" : "retry"
            metadata["reason"] = "\(error)"
        }
        metadata["ms"] = "\(Int((ContinuousClock.now - start).milliseconds))"
        logger.info("job", metadata: metadata)
    }

    // MARK: Receiving

    /// Fetches the source and decides: shown, held for the owner, or rejected (and why).
    func verify(mentionId: String, attempts: Int, isLastAttempt: Bool) async throws -> (String, JobResult) {
        guard var mention = try await store.mention(id: mentionId) else { return ("gone", .nothing) }
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
        guard turns.enter(senders) else { throw NotYourTurn(sender: senders[0]) }
        defer { turns.leave(senders) }
        let page: FetchedResource
        do {
            page = try await fetcher.get(source)
        } catch let error as FetchError {
            // The sender learns only that the fetch failed: not what a name resolved
            // to, nor a refusal told apart from a timeout. The owner reads the detail.
            switch error {
            case .timedOut, .failed:
                guard isLastAttempt else { throw TryAgain(description: "the source could not be fetched: \(error)") }
                return reject(&mention, FetchError.publicReason, detail: "the source could not be fetched, \(attempts) tries: \(error)")
            default: return reject(&mention, FetchError.publicReason, detail: "the source was not fetched: \(error)")
            }
        }
        switch page.status {
        case 200..<300: break
        case 404, 410: return reject(&mention, "the source answers \(page.status): it is gone")
        case 500...:
            guard isLastAttempt else { throw TryAgain(description: "the source answered \(page.status)") }
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
        return ("\(mention.state.rawValue) \(mention.kind.rawValue)", .mentionVerified(mention))
    }

    /// The mention refused, to be saved with the job's end: `reason` for the
    /// sender (the public status), `detail` for the owner when it says more.
    func reject(_ mention: inout Mention, _ reason: String, detail: String? = nil) -> (String, JobResult) {
        mention.state = .rejected
        mention.reason = reason
        mention.detail = detail
        mention.updatedAt = Date()
        return ("rejected: \(detail ?? reason)", .mentionVerified(mention))
    }

    // MARK: Sending

    /// Sends a Webmention to every page the post links now or linked when
    /// last sent (so a removed link, or a deleted post, is seen by its receiver).
    func send(postSlug: String) async throws -> String {
        guard let post = try await store.post(slug: postSlug) else { return "no such post" }
        let info = try await site.info()
        let earlier = try await store.sentMentions(postSlug: postSlug).map(\.target)
        var targets: [String] = []
        if post.status == .published || post.deletedAt != nil {
            let content = EntryPresenter(site: info).contentHTML(post.properties["content"]?.first)
            targets = OutgoingLinks.targets(of: post, contentHTML: content, urls: info.urls)
        }
        let responseTargets = Set(OutgoingLinks.responseProperties.flatMap { (post.properties[$0] ?? []).compactMap(OutgoingLinks.responseURL) })
        for target in earlier where !targets.contains(target) { targets.append(target) }
        guard !targets.isEmpty else { return "nothing to send" }

        let source = info.urls.post(slug: postSlug)
        var transient: [String] = []
        var sent = 0
        for target in targets {
            let result = await sendOne(source: source, target: target, cite: responseTargets.contains(target))
            try await store.recordSent(
                SentMention(
                    postSlug: postSlug,
                    target: target,
                    outcome: result.outcome,
                    endpoint: result.endpoint,
                    detail: result.detail,
                    updatedAt: Date()
                )
            )
            if result.outcome == .sent { sent += 1 }
            if result.transient { transient.append(target) }
        }
        if !transient.isEmpty {
            throw TryAgain(description: "\(transient.count) of \(targets.count) targets could not be reached; trying again")
        }
        return "sent \(sent) of \(targets.count)"
    }

    struct SendResult {
        var outcome: SentMention.Outcome
        var endpoint: String?
        var detail: String
        var transient = false
    }

    func sendOne(source: String, target: String, cite: Bool) async -> SendResult {
        guard let targetURL = URL(string: target) else { return SendResult(outcome: .failed, detail: "not a URL") }
        let page: FetchedResource
        do {
            page = try await fetcher.get(targetURL)
        } catch let error as FetchError {
            let transient = error == .timedOut || { if case .failed = error { true } else { false } }()
            return SendResult(outcome: .failed, detail: "the page could not be fetched: \(error)", transient: transient)
        } catch {
            return SendResult(outcome: .failed, detail: "\(error)", transient: true)
        }
        let html = page.isHTML ? page.text : nil
        if cite, let html, (200..<300).contains(page.status) { await saveCitation(of: target, html: html, pageURL: page.url) }
        guard
            let endpoint = WebmentionDiscovery.endpoint(
                pageURL: page.url,
                linkHeaders: page.headers["link"],
                html: html
            )
        else {
            return SendResult(outcome: .noEndpoint, detail: "the page (\(page.status)) advertises no Webmention endpoint")
        }
        do {
            let answer = try await fetcher.postForm(endpoint, fields: [("source", source), ("target", target)])
            guard (200..<300).contains(answer.status) else {
                return SendResult(
                    outcome: .failed,
                    endpoint: endpoint.absoluteString,
                    detail: "the endpoint answered \(answer.status): \(answer.text.prefix(200))",
                    transient: answer.status >= 500 || answer.status == 429
                )
            }
            let status = answer.headers.first(name: "location").map { "; status at \($0)" } ?? ""
            return SendResult(outcome: .sent, endpoint: endpoint.absoluteString, detail: "\(answer.status)\(status)")
        } catch {
            return SendResult(
                outcome: .failed,
                endpoint: endpoint.absoluteString,
                detail: "the endpoint could not be reached: \(error)",
                transient: true
            )
        }
    }

    /// A short citation of a page our post answers: its entry's name (or the page title) and author.
    func saveCitation(of target: String, html: String, pageURL: URL) async {
        let document = HTMLParser.parseDocument(html)
        let mf2 = MF2Parser.parse(document: document, url: pageURL)
        let entry = mf2.allItems.first { $0.has(type: "h-entry") }
        let title = document.descendants().first { $0.name == "title" }?.textContent ?? ""
        var name = entry?.first("name") ?? title
        if let entry, let content = entry.first("content"), name == content || name.isEmpty { name = content }
        let author = entry.map { MentionReader.author(of: $0, in: mf2, source: pageURL).name } ?? ""
        let short = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let citation = Citation(
            url: target,
            name: short.count > 140 ? String(short.prefix(139)) + "…" : short,
            authorName: author,
            fetchedAt: Date()
        )
        try? await store.saveCitation(citation)
    }
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

/// Authors' photos, fetched once through the safe client, checked like any
/// upload (format, pixel limits), cut square and small by libvips, and served
/// from our renditions: readers' browsers never call a third party.
struct AvatarStore: Sendable {
    static let size = 96
    let fetcher: SafeFetcher
    let library: MediaLibrary
    let limits: MediaLimits
    let budget: DecodeBudget
    let threadPool: NIOThreadPool

    func fileName(for url: URL) async throws -> String {
        // STEM.HASH.EXT, as every rendition is named; the hash is of the photo's URL, so one is fetched once.
        let name = "avatar." + SHA256.hash(data: Data(url.absoluteString.utf8)).prefix(10).hexString + ".jpg"
        if FileManager.default.fileExists(atPath: library.rendition(name).path) { return name }
        let image = try await fetcher.get(url, accept: "image/avif, image/webp, image/png, image/jpeg, image/gif;q=0.8")
        guard (200..<300).contains(image.status) else { throw FetchError.failed("the photo answered \(image.status)") }
        let temporary = library.newUploadPath()
        defer { try? FileManager.default.removeItem(at: temporary) }
        try Data(buffer: image.body).write(to: temporary)
        let (limits, budget) = (self.limits, self.budget)
        let data = try await threadPool.runImageWork { () throws -> Data in
            let probe = try Inspector.inspect(path: temporary.path, limits: limits, budget: budget)
            guard probe.kind == .photo else { throw MediaError.unsupported("an author photo must be an image") }
            return try VipsImageRef.square(path: temporary.path, size: Self.size).jpeg(quality: 82)
        }
        try library.writeRendition(data, named: name)
        return name
    }
}
