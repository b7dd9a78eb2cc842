import Foundation
import MicrocastCore

/// Reads the replies, likes and reposts of one copy and brings them home
/// as responses on the post, moderated like Webmentions (an approved
/// author's show at once, a new author's wait for the owner); then books
/// the next look, further off as the copy ages, none after the period.
package struct BackfeedJob: JobHandler {
    package let kind = JobKind.backfeed
    package let pool = JobPool.network
    let store: any DataStore
    let networks: SyndicationNetworks
    let avatars: AvatarStore
    let urls: SiteURLs
    let schedule: BackfeedSchedule

    init(store: any DataStore, networks: SyndicationNetworks, avatars: AvatarStore, urls: SiteURLs, schedule: BackfeedSchedule) {
        self.store = store
        self.networks = networks
        self.avatars = avatars
        self.urls = urls
        self.schedule = schedule
    }

    package func run(_ job: Job) async throws -> JobDone {
        guard case .copy(let slug, let uid) = job.subject else { throw JobSetback.giveUp("not a copy: \(job.subject)") }
        guard let account = try await store.syndicationAccount(uid: uid) else { return JobDone(summary: "the account was removed") }
        guard let copy = try await store.copy(postSlug: slug, accountUid: uid), copy.state == .live, let remote = copy.remote,
            let posted = copy.postedAt
        else { return JobDone(summary: "no copy to look at") }
        if case .reconnect = account.status { throw JobSetback.postpone("waiting for the owner to reconnect \(account.name)", after: 86_400) }
        let next = schedule.nextLook(posted: posted, now: Date()).map { JobRequest(kind: .backfeed, subject: job.subject, runAfter: $0) }

        var copier = try networks.copier(for: account)
        let found: [NetworkResponse]
        do {
            found = try await copier.responses(to: remote)
            try await networks.keep(copier.credentials, of: account)
        } catch let refusal as NetworkRefusal {
            // A copy deleted on the network by hand: nothing more to read there.
            return JobDone(summary: "stopped looking: " + (try await networks.settle(refusal, credentials: copier.credentials, of: account)))
        }

        let policy = MentionPolicy(settings: try await store.settings())
        let target = urls.post(slug: slug)
        var mentions: [Mention] = []
        for response in found {
            let sender = MentionSender.author(response.authorURL)
            guard !policy.isBlocked(sender) else { continue }
            var author = MentionAuthor(name: response.authorName, url: response.authorURL, remotePhoto: response.authorPhoto)
            if let photo = URL(string: response.authorPhoto), !response.authorPhoto.isEmpty {
                author.photoFile = (try? await avatars.fileName(for: photo)) ?? ""
            }
            let state = policy.state(forVerifiedFrom: sender)
            mentions.append(
                Mention(
                    id: MentionIdentifier.make(),
                    source: response.url,
                    target: target,
                    postSlug: slug,
                    state: state,
                    reason: state == .held ? "waiting for the owner's approval" : nil,
                    kind: response.kind,
                    author: author,
                    contentHTML: response.contentHTML,
                    published: response.published,
                    url: response.url,
                    receivedAt: Date(),
                    via: uid
                )
            )
        }
        return JobDone(.backfed(mentions, next: next), summary: "\(mentions.count) responses from \(remote.url)")
    }
}

/// Ids for responses read from networks: random, like a Webmention's.
enum MentionIdentifier {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
