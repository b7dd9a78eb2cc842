import Foundation
import HTMLKit
import MicrocastCore

/// Sends a post's Webmentions: to every page it links now or linked when
/// last sent (so a removed link, or a deleted post, is seen by its
/// receiver), recording each send; cites the pages it answers.
struct SendMentionsJob: JobHandler {
    let kind = JobKind.sendMentions
    let pool = JobPool.delivery
    let store: any DataStore
    let fetcher: SafeFetcher
    let site: SiteDirectory

    func run(_ job: Job) async throws -> JobDone {
        guard case .post(let slug) = job.subject else { throw JobSetback.giveUp("not a post") }
        return JobDone(summary: try await send(postSlug: slug))
    }

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
            throw TryAgain("\(transient.count) of \(targets.count) targets could not be reached; trying again")
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
