import Foundation
import MicrocastCore

/// Makes one post's copy on one account match the post: posts it, edits or
/// replaces it, deletes it, or posts it again, whichever the difference
/// calls for. Run again after a change, it sends only what changed; run
/// twice, it sends nothing twice (the write key is saved before the write).
package struct SyndicateJob: JobHandler {
    package let kind = JobKind.syndicate
    package let pool = JobPool.network
    let store: any DataStore
    let networks: SyndicationNetworks
    let urls: SiteURLs
    let backfeed: BackfeedSchedule

    package init(store: any DataStore, networks: SyndicationNetworks, urls: SiteURLs, backfeed: BackfeedSchedule) {
        self.store = store
        self.networks = networks
        self.urls = urls
        self.backfeed = backfeed
    }

    package func run(_ job: Job) async throws -> JobDone {
        guard case .copy(let slug, let uid) = job.subject else { throw JobSetback.giveUp("not a copy: \(job.subject)") }
        guard let account = try await store.syndicationAccount(uid: uid) else { throw JobSetback.giveUp("the account \(uid) was removed") }
        if case .reconnect = account.status { throw JobSetback.postpone("waiting for the owner to reconnect \(account.name)", after: 86_400) }
        let post = try await store.post(slug: slug)
        let now = Date()
        var copy = try await store.copy(postSlug: slug, accountUid: uid) ?? SyndicationCopy(postSlug: slug, accountUid: uid, updatedAt: now)
        let wanted = post.map { $0.isPublic && $0.syndicateTo.contains(uid) } ?? false
        var copier = try networks.copier(for: account, keyChosen: copy.writeKey == nil ? nil : copy.updatedAt)

        do {
            let done: JobDone
            if let post, wanted {
                guard let plan = try await networks.plan(post, for: account) else {
                    throw JobSetback.postpone("waiting for the post's media to be processed", after: 2)
                }
                done = try await bring(&copy, to: plan, with: &copier, permalink: urls.post(slug: slug))
            } else if copy.state == .live, let remote = copy.remote {
                try await copier.delete(remote)
                copy.state = .deleted
                copy.updatedAt = Date()
                done = JobDone(.copied(copy, then: []), summary: "deleted \(remote.url)")
            } else {
                done = JobDone(summary: "nothing to copy")
            }
            try await networks.keep(copier.credentials, of: account)
            return done
        } catch let refusal as NetworkRefusal {
            throw JobSetback.giveUp(try await networks.settle(refusal, credentials: copier.credentials, of: account))
        }
    }

    /// Posts, edits or replaces the copy so that it says what `plan` says.
    func bring(_ copy: inout SyndicationCopy, to plan: CopyPlan, with copier: inout some Copier, permalink: String) async throws -> JobDone {
        let sent = SentDigest(plan)
        if copy.state == .live, let remote = copy.remote {
            let before = copy.sentDigest.map(SentDigest.init(stored:))
            guard before != sent else { return JobDone(summary: "unchanged") }
            if copier.editsInPlace {
                let edited = try await copier.edit(plan, remote: remote, sameFiles: before?.files == sent.files)
                copy.remoteURL = edited.url
                copy.sentDigest = sent.stored
                copy.updatedAt = Date()
                return JobDone(.copied(copy, then: []), summary: "edited \(edited.url)")
            }
            // No edits: a new post, then the old one gone; its URL stays known.
            let key = try await chooseKey(&copy, copier)
            let replacement = try await copier.post(plan, key: key, permalink: permalink)
            try await copier.delete(remote)
            if !copy.replacedURLs.contains(remote.url) { copy.replacedURLs.append(remote.url) }
            copy.remoteId = replacement.id
            copy.remoteURL = replacement.url
            copy.writeKey = nil
            copy.sentDigest = sent.stored
            copy.updatedAt = Date()
            return JobDone(.copied(copy, then: []), summary: "replaced \(remote.url) by \(replacement.url)")
        }
        let key = try await chooseKey(&copy, copier)
        let remote = try await copier.post(plan, key: key, permalink: permalink)
        let now = Date()
        copy.state = .live
        copy.remoteId = remote.id
        copy.remoteURL = remote.url
        copy.writeKey = nil
        copy.sentDigest = sent.stored
        copy.postedAt = now
        copy.updatedAt = now
        let looks = backfeed.period > 0 ? [JobRequest(kind: .backfeed, subject: copy.subject, runAfter: backfeed.firstLook(posted: now))] : []
        return JobDone(.copied(copy, then: looks), summary: "posted \(remote.url)")
    }

    /// The key of the next write: the one saved by an earlier try (it may
    /// have reached the network), else a new one, saved before it is used.
    func chooseKey(_ copy: inout SyndicationCopy, _ copier: some Copier) async throws -> String {
        if let key = copy.writeKey { return key }
        let key = copier.newWriteKey()
        copy.writeKey = key
        copy.updatedAt = Date()
        try await store.saveCopy(copy)
        return key
    }
}

/// What was last sent, as stored on the copy: the whole plan's digest and
/// its files' alone (an edit of the words keeps the attachments).
struct SentDigest: Equatable {
    var whole: String
    var files: String

    init(_ plan: CopyPlan) {
        whole = plan.digest
        files = CopyPlan.digest(text: "", files: plan.files, card: plan.card)
    }

    init(stored: String) {
        let parts = stored.split(separator: " ", maxSplits: 1).map(String.init)
        whole = parts.first ?? ""
        files = parts.count > 1 ? parts[1] : ""
    }

    var stored: String { "\(whole) \(files)" }
}

extension SyndicationCopy {
    /// The copy on the network, once there is one.
    var remote: RemotePost? {
        guard let id = remoteId, let url = remoteURL else { return nil }
        return RemotePost(id: id, url: url)
    }
}
