import Foundation
import MicrocastCore
import NIOPosix

/// What the syndication jobs share: the way out, the media folder, and the
/// accounts in the store; makes the copier for an account and the plan of a post for it.
package struct SyndicationNetworks: Sendable {
    let store: any DataStore
    let fetcher: SafeFetcher
    let files: CopyFiles
    let site: SiteDirectory
    let artwork: ShowArtworkStore
    var urls: SiteURLs { site.urls }

    package init(
        store: any DataStore,
        fetcher: SafeFetcher,
        library: MediaLibrary,
        threadPool: NIOThreadPool,
        site: SiteDirectory,
        artwork: ShowArtworkStore
    ) {
        self.store = store
        self.fetcher = fetcher
        self.files = CopyFiles(library: library, threadPool: threadPool)
        self.site = site
        self.artwork = artwork
    }

    package func copier(for account: SyndicationAccount, keyChosen: Date? = nil) throws -> any Copier {
        switch account.credentials {
        case .mastodon(let credentials):
            try MastodonCopier(
                fetcher: fetcher,
                account: credentials,
                files: files,
                limits: account.limits ?? .mastodonDefaults,
                keyChosen: keyChosen
            )
        case .bluesky(let credentials):
            BlueskyCopier(fetcher: fetcher, account: credentials, files: files)
        }
    }

    /// The copy of `post` this account's network gets; nil while any of its
    /// media is still being processed (a copy is sent whole, never without
    /// the photo it was made for).
    package func plan(_ post: Post, for account: SyndicationAccount) async throws -> CopyPlan? {
        let ids = EntryPresenter.mediaIds(in: post, urls: urls)
        let media = try await store.media(ids: ids)
        if media.values.contains(where: { $0.state == .processing }) { return nil }
        let renditions = try await store.renditions(forMedia: ids)
        let limits = account.limits ?? (account.service == .bluesky ? .bluesky : .mastodonDefaults)
        var plan = CopyPlan.make(post: post, media: media, renditions: renditions, urls: urls, service: account.service, limits: limits)
        // An episode without artwork of its own shows the show's.
        if var card = plan.card, card.thumbnail == nil {
            card.thumbnail = try await showArtwork(limit: limits.imageBytes)
            plan.card = card
            plan.digest = CopyPlan.digest(text: plan.text.text, files: plan.files, card: card)
        }
        return plan
    }

    func showArtwork(limit: Int) async throws -> CopyFile {
        let show = ShowSettings(stored: try await store.settings(), site: try await site.info())
        let name = try await artwork.fileName(for: show)
        let size = Int((try? await files.library.store.describe(.rendition(name)))??.byteCount ?? 0)
        return CopyFile(
            role: .thumbnail,
            fileName: name,
            mimeType: "image/jpeg",
            byteCount: Int64(size),
            width: 0,
            height: 0,
            alt: "",
            needsShrinking: size > limit
        )
    }

    /// Saves credentials a call renewed (a Bluesky session).
    func keep(_ credentials: SyndicationCredentials, of account: SyndicationAccount) async throws {
        guard credentials != account.credentials, var current = try await store.syndicationAccount(uid: account.uid) else { return }
        current.credentials = credentials
        try await store.saveSyndicationAccount(current)
    }

    /// What a job does after the network refused: credentials it renewed are
    /// kept, then it waits for a reconnect, waits as asked, or is tried again
    /// (thrown); a refusal for good comes back as its reason, for the job to end on.
    func settle(_ refusal: NetworkRefusal, credentials: SyndicationCredentials, of account: SyndicationAccount) async throws -> String {
        try await keep(credentials, of: account)
        switch refusal {
        case .credentials(let why):
            try await needsReconnect(account, why)
            throw JobSetback.postpone("\(account.name) needs reconnecting: \(why)", after: 86_400)
        case .slowDown(let after, let why): throw JobSetback.postpone(why, after: max(1, after))
        case .rejected(let why): return why
        case .unavailable: throw refusal
        }
    }

    /// Marks the account as needing the owner to reconnect it.
    func needsReconnect(_ account: SyndicationAccount, _ why: String) async throws {
        guard var current = try await store.syndicationAccount(uid: account.uid) else { return }
        current.status = .reconnect(reason: why)
        try await store.saveSyndicationAccount(current)
    }
}
