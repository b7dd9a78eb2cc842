import Foundation
import MicrocastCore
import NIOPosix

/// What the syndication jobs share: the way out, the media folder, and the
/// accounts in the store; makes the copier for an account and the plan of a post for it.
package struct SyndicationNetworks: Sendable {
    let store: any DataStore
    let fetcher: SafeFetcher
    let files: CopyFiles
    let urls: SiteURLs

    package init(store: any DataStore, fetcher: SafeFetcher, library: MediaLibrary, threadPool: NIOThreadPool, urls: SiteURLs) {
        self.store = store
        self.fetcher = fetcher
        self.files = CopyFiles(library: library, threadPool: threadPool)
        self.urls = urls
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
        return CopyPlan.make(post: post, media: media, renditions: renditions, urls: urls, service: account.service, limits: limits)
    }

    /// Saves credentials a call renewed (a Bluesky session).
    func keep(_ credentials: SyndicationCredentials, of account: SyndicationAccount) async throws {
        guard credentials != account.credentials, var current = try await store.syndicationAccount(uid: account.uid) else { return }
        current.credentials = credentials
        try await store.saveSyndicationAccount(current)
    }

    /// Marks the account as needing the owner to reconnect it.
    func needsReconnect(_ account: SyndicationAccount, _ why: String) async throws {
        guard var current = try await store.syndicationAccount(uid: account.uid) else { return }
        current.status = .reconnect(reason: why)
        try await store.saveSyndicationAccount(current)
    }
}
