import Foundation
import MicrocastCore

/// The site as a fediverse account: its key pair (made once, on the first
/// `serve`, and kept in the store), its actor document, and its posts as
/// ActivityStreams objects.
public struct FediverseIdentity: Sendable {
    let store: any DataStore
    let site: SiteDirectory
    let artwork: ShowArtworkStore

    package init(store: any DataStore, site: SiteDirectory, artwork: ShowArtworkStore) {
        self.store = store
        self.site = site
        self.artwork = artwork
    }

    public var urls: SiteURLs { site.urls }

    /// The settings, with a key pair made and stored if there is none yet.
    public func settings() async throws -> FediverseSettings {
        let info = try await site.info()
        var settings = FediverseSettings(stored: try await store.settings(), site: info)
        if settings.privateKey == nil || settings.publicKey == nil {
            let keys = try ActorKeys.generate()
            try await store.setSettings([.fediverse(.privateKey): keys.privateKey, .fediverse(.publicKey): keys.publicKey])
            settings = FediverseSettings(stored: try await store.settings(), site: info)
        }
        return settings
    }

    /// The actor document.
    public func actor() async throws -> JSONValue {
        let info = try await site.info()
        let show = ShowSettings(stored: try await store.settings(), site: info)
        let icon = site.urls.rendition(fileName: try await artwork.fileName(for: show))
        let summary = show.description.isEmpty ? "" : EntryPresenter.paragraphs(show.description)
        return ActivityStreams.actor(settings: try await settings(), site: info, summary: summary, icon: icon, header: nil)
    }

    /// A published post as an object; nil for a draft, a scheduled or a deleted post.
    public func object(slug: String) async throws -> JSONValue? {
        guard let post = try await store.post(slug: slug), post.isPublic else { return nil }
        let info = try await site.info()
        let ids = EntryPresenter.mediaIds(in: post, urls: info.urls)
        let show = ShowSettings(stored: try await store.settings(), site: info)
        let artworkURL = info.urls.rendition(fileName: try await artwork.fileName(for: show))
        var object = PostObject.make(
            post: post,
            media: try await store.media(ids: ids),
            renditions: try await store.renditions(forMedia: ids),
            site: info,
            artworkURL: artworkURL
        )
        if case .object(var fields) = object {
            fields["@context"] = ActivityStreams.context
            object = .object(fields)
        }
        return object
    }

    /// WebFinger's answer for `resource`, if it names this site's account.
    public func webfinger(resource: String) async throws -> JSONValue? {
        let settings = try await settings()
        let urls = site.urls
        guard let host = URL(string: urls.base)?.host else { return nil }
        let port = URL(string: urls.base)?.port.map { ":\($0)" } ?? ""
        let accepted = [
            "acct:\(settings.name)@\(host)\(port)".lowercased(), "acct:\(settings.name)@\(host)".lowercased(), urls.actor.lowercased(),
            urls.home.lowercased(),
        ]
        guard accepted.contains(resource.lowercased()) else { return nil }
        return ActivityStreams.webfinger(name: settings.name, host: host + port, urls: urls)
    }
}
