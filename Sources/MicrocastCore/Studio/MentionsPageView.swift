import Foundation

/// The studio's mentions page: those waiting for the owner, and the latest decided.
public struct MentionsPageView: Sendable {
    /// One received mention with the owner's actions.
    public struct Row: Sendable {
        public var id: String
        public var kind: String
        public var authorName: String
        public var source: String
        /// The source as a link, when it may be one (`LinkPolicy`); empty otherwise.
        public var sourceLink: String
        public var domain: String
        public var postURL: String
        public var contentHTML: String
        public var state: String
        public var reason: String
        public var received: String
        /// How it came: by Webmention, from the fediverse, or read from a copy on another network.
        public var via: String
        /// The addresses the mention would put on the page, and which of them
        /// would be links (`LinkPolicy`), so the owner sees them before approving.
        public var renders: [RenderedURL]
        public var hasRenders: Bool

        /// One address a mention carries, as the owner reviews it.
        public struct RenderedURL: Sendable {
            public var label: String
            public var url: String
            /// "linked", or why it would be shown as text or left out.
            public var outcome: String
        }

        public init(_ mention: Mention, postURL: String) {
            id = mention.id
            kind = mention.kind.rawValue
            authorName = mention.author.name.isEmpty ? mention.domain : mention.author.name
            source = mention.source
            sourceLink = LinkPolicy.renderable(mention.source) ?? ""
            domain = mention.domain
            self.postURL = postURL
            contentHTML = mention.contentHTML
            state = mention.state.rawValue
            reason = mention.ownerReason ?? ""
            received = DateText.long(mention.receivedAt)
            via =
                switch mention.via {
                case nil: "Webmention"
                case Mention.fediverse?: "fediverse"
                case Mention.imported?: "the old site"
                default: "a copy elsewhere"
                }
            renders = [("Their response", mention.url), ("Its author", mention.author.url), ("The author's photo", mention.author.remotePhoto)]
                .filter { !$0.1.isEmpty }
                .map { label, url in
                    RenderedURL(
                        label: label,
                        url: url,
                        outcome: LinkPolicy.isRenderable(url) ? "linked" : "not linked: only http and https addresses are"
                    )
                }
            hasRenders = !renders.isEmpty
        }
    }

    public var action: String
    public var csrf: String
    public var held: [Row]
    public var hasHeld: Bool
    public var recent: [Row]
    public var moderation: String

    public init(action: String, csrf: String, held: [Row], recent: [Row], moderation: String) {
        self.action = action
        self.csrf = csrf
        self.held = held
        self.hasHeld = !held.isEmpty
        self.recent = recent
        self.moderation = moderation
    }
}
