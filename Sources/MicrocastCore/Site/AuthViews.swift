/// Values for the owner's pages: sign-in, consent and the token list.
public struct HiddenField: Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The sign-in page's form.
public struct SignInView: Sendable {
    public var action: String
    public var csrf: String
    public var hidden: [HiddenField]
    public var error: String
    public var hasError: Bool

    public init(action: String, csrf: String, hidden: [HiddenField], error: String = "") {
        self.action = action
        self.csrf = csrf
        self.hidden = hidden
        self.error = error
        hasError = !error.isEmpty
    }
}

/// The consent page: which app asks, where it sends the owner back, and the scopes to tick.
public struct ConsentView: Sendable {
    /// A scope the owner may tick, and what it lets the app do.
    public struct ScopeChoice: Sendable {
        public var name: String
        public var explanation: String
    }

    public var action: String
    public var csrf: String
    public var clientId: String
    public var redirectHost: String
    public var hidden: [HiddenField]
    public var scopes: [ScopeChoice]
    public var hasScopes: Bool
    /// The session is not fresh: approving needs the passphrase again.
    public var needsPassphrase: Bool
    public var error: String

    public init(
        action: String,
        csrf: String,
        clientId: String,
        redirectHost: String,
        hidden: [HiddenField],
        scopes: [Scope],
        needsPassphrase: Bool = false,
        error: String = ""
    ) {
        self.needsPassphrase = needsPassphrase
        self.error = error
        self.action = action
        self.csrf = csrf
        self.clientId = clientId
        self.redirectHost = redirectHost
        self.hidden = hidden
        self.scopes = scopes.map { ScopeChoice(name: $0.rawValue, explanation: Self.explanation($0)) }
        hasScopes = !scopes.isEmpty
    }

    static func explanation(_ scope: Scope) -> String {
        switch scope {
        case .create: "create posts"
        case .update: "edit posts"
        case .delete: "delete posts"
        case .undelete: "restore deleted posts"
        case .media: "upload files"
        case .draft: "create drafts"
        case .profile: "see your profile"
        case .email: "see your e-mail address"
        case .read: "read your timeline and mark it read"
        case .follow: "follow and unfollow sites"
        case .channels: "manage your timeline's channels"
        case .mute: "mute people in your timeline"
        case .block: "block people from your timeline"
        case .metrics: "read the server's metrics (request and job counts)"
        }
    }
}

/// The owner's list of grants, each revocable.
public struct TokenListView: Sendable {
    /// One grant as the list shows it.
    public struct Row: Sendable {
        public var id: Int64
        public var client: String
        public var scope: String
        public var created: String
        public var expires: String
        public var status: String
        public var isLive: Bool
        public var lastUsed: String

        public init(
            id: Int64,
            client: String,
            scope: String,
            created: String,
            expires: String,
            status: String,
            isLive: Bool,
            lastUsed: String = ""
        ) {
            self.lastUsed = lastUsed
            self.id = id
            self.client = client
            self.scope = scope
            self.created = created
            self.expires = expires
            self.status = status
            self.isLive = isLive
        }
    }

    public var action: String
    public var csrf: String
    public var rows: [Row]

    public init(action: String, csrf: String, rows: [Row]) {
        self.action = action
        self.csrf = csrf
        self.rows = rows
    }
}
