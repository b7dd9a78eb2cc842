import Crypto
import Foundation
import MicrocastCore

/// Connecting accounts on other networks: a Mastodon token given or won
/// through the server's OAuth sign-in (with PKCE), a Bluesky handle and
/// app password. Each checks the credentials with the network, reads who
/// the account is and what the network accepts, and saves the account (a
/// reconnect keeps its uid and wakes its waiting jobs).
public struct AccountConnections: Sendable {
    let store: any DataStore
    let fetcher: SafeFetcher
    let directory: ATProtoDirectory

    public init(store: any DataStore, fetcher: SafeFetcher, directory: ATProtoDirectory = ATProtoDirectory()) {
        self.store = store
        self.fetcher = fetcher
        self.directory = directory
    }

    /// A Mastodon account from an access token made elsewhere (the server's
    /// Development settings, or a script).
    public func connectMastodon(instance: String, token: String, app: (id: String, secret: String)? = nil) async throws -> SyndicationAccount {
        let origin = try MastodonClient.origin(instance)
        let client = MastodonClient(fetcher: fetcher, instance: origin, accessToken: token)
        let me = try await client.verifyCredentials()
        let limits = try await client.limits()
        let host = (origin.host ?? instance) + (origin.port.map { ":\($0)" } ?? "")
        let credentials = MastodonCredentials(
            instance: origin.absoluteString,
            clientId: app?.id ?? "",
            clientSecret: app?.secret ?? "",
            accessToken: token,
            accountId: me.id
        )
        return try await save(
            uid: me.url,
            service: .mastodon,
            name: "@\(me.username)@\(host) on Mastodon",
            user: SyndicationUser(name: me.name, url: me.url, photo: me.avatar ?? ""),
            credentials: .mastodon(credentials),
            limits: limits
        )
    }

    /// A Bluesky account from its handle and an app password; its PDS found
    /// from the handle's DID document unless given.
    public func connectBluesky(handle: String, appPassword: String, pds given: String? = nil) async throws -> SyndicationAccount {
        let handle = handle.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "@"))
        let pds: URL
        if let given, let url = URL(string: given.contains("://") ? given : "https://" + given) {
            pds = url
        } else {
            pds = try await BlueskyClient.locate(handle: handle, directory: directory, fetcher: fetcher).pds
        }
        let credentials = try await BlueskyClient.signIn(handle: handle, appPassword: appPassword, pds: pds, fetcher: fetcher)
        var client = BlueskyClient(fetcher: fetcher, credentials: credentials)
        let profile = try await client.profile(credentials.did)
        return try await save(
            uid: profile.url,
            service: .bluesky,
            name: "@\(profile.handle) on Bluesky",
            user: SyndicationUser(name: profile.name, url: profile.url, photo: profile.avatar ?? ""),
            credentials: .bluesky(client.credentials),
            limits: .bluesky
        )
    }

    func save(
        uid: String,
        service: SyndicationService,
        name: String,
        user: SyndicationUser,
        credentials: SyndicationCredentials,
        limits: NetworkLimits
    ) async throws -> SyndicationAccount {
        var account =
            try await store.syndicationAccount(uid: uid)
            ?? SyndicationAccount(uid: uid, service: service, name: name, user: user, credentials: credentials, connectedAt: Date())
        account.name = name
        account.user = user
        account.credentials = credentials
        account.status = .connected
        account.limits = limits
        try await store.saveSyndicationAccount(account)
        return account
    }

    // MARK: Mastodon's OAuth sign-in

    /// Registers Microcast on the server and returns where to send the
    /// owner; the sign-in's state is kept in the store for `finishMastodon`.
    public func startMastodon(instance: String, siteName: String, site: String, redirectURI: String) async throws -> URL {
        let origin = try MastodonClient.origin(instance)
        let client = MastodonClient(fetcher: fetcher, instance: origin)
        let app = try await client.registerApp(name: "Microcast (\(siteName))", website: site, redirectURI: redirectURI)
        let state = Self.randomToken()
        let verifier = Self.randomToken() + Self.randomToken()
        try await store.savePendingConnection(
            PendingConnection(
                state: state,
                instance: origin.absoluteString,
                clientId: app.clientId,
                clientSecret: app.clientSecret,
                codeVerifier: verifier,
                redirectURI: redirectURI,
                createdAt: Date()
            )
        )
        return client.authorizationURL(app: app, redirectURI: redirectURI, state: state, verifier: verifier)
    }

    /// The owner came back from the server with `code`: the code exchanged
    /// for a token (with the PKCE verifier), the account saved.
    public func finishMastodon(state: String, code: String) async throws -> SyndicationAccount {
        guard let pending = try await store.takePendingConnection(state: state, now: Date()) else {
            throw NetworkRefusal.rejected("this sign-in is unknown, used or older than an hour; start again")
        }
        let client = MastodonClient(fetcher: fetcher, instance: try MastodonClient.origin(pending.instance))
        let app = MastodonClient.App(clientId: pending.clientId, clientSecret: pending.clientSecret)
        let token = try await client.token(app: app, code: code, redirectURI: pending.redirectURI, verifier: pending.codeVerifier)
        return try await connectMastodon(instance: pending.instance, token: token, app: (pending.clientId, pending.clientSecret))
    }

    /// Chooses the kinds of post the composer ticks the account for.
    public func setDefaults(uid: String, kinds: Set<PostKind>) async throws {
        guard var account = try await store.syndicationAccount(uid: uid) else { throw NetworkRefusal.rejected("no account \(uid)") }
        account.defaults = kinds
        try await store.saveSyndicationAccount(account)
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
