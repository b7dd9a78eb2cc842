import Foundation

/// A network Microcast copies posts to.
public enum SyndicationService: String, Sendable, Codable, CaseIterable {
    /// Mastodon and any server speaking its REST API (GoToSocial, Pleroma, Akkoma).
    case mastodon
    /// Bluesky and any AT Protocol PDS.
    case bluesky

    public var displayName: String {
        switch self {
        case .mastodon: "Mastodon"
        case .bluesky: "Bluesky"
        }
    }

    /// The service's own page, as Micropub's `service.url`: the account's server for Mastodon.
    public func homePage(account: SyndicationAccount) -> String {
        switch account.credentials {
        case .mastodon(let credentials): credentials.instance
        case .bluesky: "https://bsky.app"
        }
    }
}

/// Who the account is on its network, as Micropub's `syndicate-to` lists it.
public struct SyndicationUser: Sendable, Equatable, Codable {
    public var name: String
    public var url: String
    public var photo: String

    public init(name: String, url: String, photo: String = "") {
        self.name = name
        self.url = url
        self.photo = photo
    }
}

/// What Microcast needs to act as the owner on a Mastodon server.
public struct MastodonCredentials: Sendable, Equatable, Codable {
    /// The server's origin, as `https://social.example`.
    public var instance: String
    /// The app Microcast registered there.
    public var clientId: String
    public var clientSecret: String
    public var accessToken: String
    /// The account's id on that server (its own replies are not shown twice).
    public var accountId: String

    public init(instance: String, clientId: String = "", clientSecret: String = "", accessToken: String, accountId: String) {
        self.instance = instance
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.accessToken = accessToken
        self.accountId = accountId
    }
}

/// What Microcast needs to act as the owner on an AT Protocol PDS: the app
/// password (to start a new session when the refresh token has run out)
/// and the current session's tokens.
public struct BlueskyCredentials: Sendable, Equatable, Codable {
    public var handle: String
    public var did: String
    /// The PDS's origin, from the DID document or as given.
    public var pds: String
    public var appPassword: String
    public var accessJwt: String
    public var refreshJwt: String

    public init(handle: String, did: String, pds: String, appPassword: String, accessJwt: String = "", refreshJwt: String = "") {
        self.handle = handle
        self.did = did
        self.pds = pds
        self.appPassword = appPassword
        self.accessJwt = accessJwt
        self.refreshJwt = refreshJwt
    }
}

/// Secrets that act as the owner elsewhere. Printing one shows only which
/// kind it is: they never reach a log line, an error or an export.
public enum SyndicationCredentials: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    case mastodon(MastodonCredentials)
    case bluesky(BlueskyCredentials)

    public var description: String {
        switch self {
        case .mastodon: "Mastodon credentials (hidden)"
        case .bluesky: "Bluesky credentials (hidden)"
        }
    }

    public var debugDescription: String { description }
}

/// What a network accepts, read from the network itself (Mastodon's
/// instance information) rather than assumed; Bluesky's are its lexicon's.
public struct NetworkLimits: Sendable, Equatable, Codable {
    /// Characters (grapheme clusters) per post.
    public var maxCharacters: Int
    /// What one link costs, whatever its length (Mastodon counts every URL as 23).
    public var charactersPerURL: Int?
    /// UTF-8 bytes per post's text, where the network also limits those (Bluesky: 3,000).
    public var maxTextBytes: Int?
    public var maxImages: Int
    public var imageBytes: Int
    /// Width × height.
    public var imagePixels: Int?
    public var videoBytes: Int
    /// Seconds; nil where the network does not limit length.
    public var videoSeconds: Double?
    /// Media types it takes; empty when it does not say.
    public var mimeTypes: [String]
    public var fetchedAt: Date?

    public init(
        maxCharacters: Int,
        charactersPerURL: Int? = nil,
        maxTextBytes: Int? = nil,
        maxImages: Int,
        imageBytes: Int,
        imagePixels: Int? = nil,
        videoBytes: Int,
        videoSeconds: Double? = nil,
        mimeTypes: [String] = [],
        fetchedAt: Date? = nil
    ) {
        self.maxCharacters = maxCharacters
        self.charactersPerURL = charactersPerURL
        self.maxTextBytes = maxTextBytes
        self.maxImages = maxImages
        self.imageBytes = imageBytes
        self.imagePixels = imagePixels
        self.videoBytes = videoBytes
        self.videoSeconds = videoSeconds
        self.mimeTypes = mimeTypes
        self.fetchedAt = fetchedAt
    }

    /// Mastodon's defaults, for a server that does not publish its configuration (Mastodon before 3.4).
    public static let mastodonDefaults = NetworkLimits(
        maxCharacters: 500,
        charactersPerURL: 23,
        maxImages: 4,
        imageBytes: 16 * 1024 * 1024,
        imagePixels: 8_294_400,
        videoBytes: 99 * 1024 * 1024
    )

    /// The AT Protocol's `app.bsky.feed.post` and embed lexicons: 300
    /// graphemes and 3,000 bytes of text, four images of at most 1,000,000
    /// bytes each, one video of at most 100 MB and three minutes.
    public static let bluesky = NetworkLimits(
        maxCharacters: 300,
        maxTextBytes: 3000,
        maxImages: 4,
        imageBytes: 1_000_000,
        videoBytes: 100_000_000,
        videoSeconds: 180,
        mimeTypes: ["image/jpeg", "image/png", "image/webp", "video/mp4"]
    )

    /// Whether the network takes files of `mimeType` (any, when it does not say).
    public func accepts(_ mimeType: String) -> Bool { mimeTypes.isEmpty || mimeTypes.contains(mimeType) }
}

/// An account on another network that posts are copied to.
public struct SyndicationAccount: Sendable, Equatable {
    /// Whether its jobs can run.
    public enum Status: Sendable, Equatable {
        case connected
        /// The network refused the credentials (expired or revoked): its
        /// jobs wait, and the studio asks the owner to reconnect.
        case reconnect(reason: String)

        public var needsReconnect: Bool { if case .reconnect = self { true } else { false } }
    }

    /// Micropub's `uid`: the account's profile URL, stable across reconnects.
    public var uid: String
    public var service: SyndicationService
    /// As a client lists it: "@alice@social.example on Mastodon".
    public var name: String
    public var user: SyndicationUser
    public var credentials: SyndicationCredentials
    public var status: Status
    /// The kinds of post the composer ticks this account for by default.
    public var defaults: Set<PostKind>
    /// The network's own limits, as last read.
    public var limits: NetworkLimits?
    public var connectedAt: Date

    public init(
        uid: String,
        service: SyndicationService,
        name: String,
        user: SyndicationUser,
        credentials: SyndicationCredentials,
        status: Status = .connected,
        defaults: Set<PostKind> = Set(PostKind.allCases),
        limits: NetworkLimits? = nil,
        connectedAt: Date
    ) {
        self.uid = uid
        self.service = service
        self.name = name
        self.user = user
        self.credentials = credentials
        self.status = status
        self.defaults = defaults
        self.limits = limits
        self.connectedAt = connectedAt
    }
}
