import Foundation

/// The studio's accounts on other networks: each with its state, the kinds
/// of post it is ticked for by default, and the forms to connect more.
public struct SyndicationPageView: Sendable {
    /// One connected account.
    public struct Account: Sendable {
        public var uid: String
        public var name: String
        public var service: String
        public var profileURL: String
        public var photo: String
        /// Why it must be reconnected; empty while connected.
        public var reconnectReason: String
        /// Stored, not computed: templates see stored properties only.
        public var needsReconnect: Bool
        /// For a reconnect: the Mastodon server, or the Bluesky handle.
        public var isMastodon: Bool
        public var instance: String
        public var handle: String
        public var kinds: [Kind]
    }

    /// A kind of post, ticked or not for an account.
    public struct Kind: Sendable {
        public var value: String
        public var label: String
        public var checked: Bool
    }

    public var accounts: [Account]
    public var message: String
    public var error: String
    public var hasAccounts: Bool

    public init(accounts: [SyndicationAccount], message: String, error: String) {
        self.accounts = accounts.map { account in
            var instance = ""
            var handle = ""
            switch account.credentials {
            case .mastodon(let credentials): instance = credentials.instance
            case .bluesky(let credentials): handle = credentials.handle
            }
            let reason: String =
                switch account.status {
                case .connected: ""
                case .reconnect(let why): why
                }
            return Account(
                uid: account.uid,
                name: account.name,
                service: account.service.displayName,
                profileURL: account.user.url,
                photo: account.user.photo,
                reconnectReason: reason,
                needsReconnect: !reason.isEmpty,
                isMastodon: account.service == .mastodon,
                instance: instance,
                handle: handle,
                kinds: PostKind.allCases.map { Kind(value: $0.rawValue, label: $0.label, checked: account.defaults.contains($0)) }
            )
        }
        self.message = message
        self.error = error
        hasAccounts = !accounts.isEmpty
    }
}

/// An account as the composer offers it: ticked by default for some kinds of post.
public struct ComposerAccount: Sendable {
    public var uid: String
    public var name: String
    /// The kinds it is ticked for, separated by spaces (for the script).
    public var kinds: String

    public init(_ account: SyndicationAccount) {
        uid = account.uid
        name = account.name
        kinds = PostKind.allCases.filter(account.defaults.contains).map(\.rawValue).joined(separator: " ")
    }
}

extension PostKind {
    /// As the studio names it.
    public var label: String {
        switch self {
        case .note: "Notes"
        case .article: "Articles"
        case .photo: "Photos"
        case .audio: "Episodes"
        case .video: "Videos"
        }
    }
}
