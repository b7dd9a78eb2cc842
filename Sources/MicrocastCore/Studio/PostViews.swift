import Foundation

/// The composer: where files go and where the post is sent.
public struct ComposerView: Sendable {
    public var micropubURL: String
    public var uploadsURL: String
    public var previewURL: String
    public var eventsURL: String
    /// Where an expired session signs in again, coming back here.
    public var signInURL: String
    /// The composer's kind on arrival (`note`, `photo`, `audio`, `video`).
    public var kind: String
    /// Where a copy can go, each ticked by default for some kinds of post.
    public var accounts: [ComposerAccount]
    /// Stored, not computed: templates see stored properties only.
    public var hasAccounts: Bool

    public init(
        micropubURL: String,
        uploadsURL: String,
        previewURL: String,
        eventsURL: String,
        signInURL: String,
        kind: String,
        accounts: [ComposerAccount] = []
    ) {
        self.accounts = accounts
        hasAccounts = !accounts.isEmpty
        self.micropubURL = micropubURL
        self.signInURL = signInURL
        self.uploadsURL = uploadsURL
        self.previewURL = previewURL
        self.eventsURL = eventsURL
        self.kind = kind
    }
}

/// The owner's list of posts, filtered.
public struct PostListView: Sendable {
    /// One post as the list shows it.
    public struct Row: Sendable {
        public var title: String
        public var editURL: String
        public var publicURL: String
        public var kind: String
        public var state: String
        public var date: String
        public var processing: String
        public var isDeleted: Bool
        public var slug: String

        public init(
            title: String,
            editURL: String,
            publicURL: String,
            kind: String,
            state: String,
            date: String,
            processing: String,
            isDeleted: Bool,
            slug: String
        ) {
            self.title = title
            self.editURL = editURL
            self.publicURL = publicURL
            self.kind = kind
            self.state = state
            self.date = date
            self.processing = processing
            self.isDeleted = isDeleted
            self.slug = slug
        }
    }

    /// A choice in a filter's list.
    public struct Choice: Sendable {
        public var value: String
        public var label: String
        public var isSelected: Bool
    }

    public var rows: [Row]
    public var hasRows: Bool
    public var kinds: [Choice]
    public var states: [Choice]

    public init(rows: [Row], kind: String, state: String) {
        self.rows = rows
        hasRows = !rows.isEmpty
        kinds = [("", "Any kind"), ("note", "Notes"), ("article", "Articles"), ("photo", "Photos"), ("audio", "Episodes"), ("video", "Videos")]
            .map { Choice(value: $0.0, label: $0.1, isSelected: $0.0 == kind) }
        states = [("", "Any state"), ("published", "Published"), ("draft", "Drafts"), ("scheduled", "Scheduled"), ("deleted", "Deleted")]
            .map { Choice(value: $0.0, label: $0.1, isSelected: $0.0 == state) }
    }
}

/// One post's edit form.
public struct PostEditView: Sendable {
    /// A photo of the post and its alt text.
    public struct Photo: Sendable {
        public var index: Int
        public var src: String
        public var alt: String
    }

    public var action: String
    public var publicURL: String
    public var name: String
    /// The text as written: Markdown when the studio made it, else the HTML or plain text.
    public var content: String
    public var categories: String
    public var photos: [Photo]
    public var hasPhotos: Bool
    public var isEpisode: Bool
    public var episode: String
    public var season: String
    public var episodeType: String
    public var isDraft: Bool
    public var isDeleted: Bool
    public var deleteAction: String
    public var undeleteAction: String
    public var message: String
    /// What came of the Webmentions this post sent, by target.
    public var sent: [SentRow] = []
    public var hasSent = false
    /// Replies, likes and reposts of the post, whatever their state and however they came.
    public var responses: [MentionsPageView.Row] = []
    public var hasResponses = false
    /// "2 replies · 3 likes", of those shown.
    public var responseCounts = ""
    /// Where they are approved, rejected and blocked.
    public var mentionsURL = ""

    /// One page the post linked and what its Webmention did.
    public struct SentRow: Sendable {
        public var target: String
        public var outcome: String
        public var detail: String
        public var when: String

        public init(_ sent: SentMention) {
            target = sent.target
            outcome =
                switch sent.outcome {
                case .sent: "sent"
                case .noEndpoint: "no endpoint"
                case .failed: "failed"
                }
            detail = sent.detail
            when = DateText.long(sent.updatedAt)
        }
    }

    public init(
        action: String,
        publicURL: String,
        name: String,
        content: String,
        categories: String,
        photos: [(src: String, alt: String)],
        isEpisode: Bool,
        episode: String,
        season: String,
        episodeType: String,
        isDraft: Bool,
        isDeleted: Bool,
        deleteAction: String,
        undeleteAction: String,
        message: String = ""
    ) {
        self.action = action
        self.publicURL = publicURL
        self.name = name
        self.content = content
        self.categories = categories
        self.photos = photos.enumerated().map { Photo(index: $0.offset, src: $0.element.src, alt: $0.element.alt) }
        hasPhotos = !photos.isEmpty
        self.isEpisode = isEpisode
        self.episode = episode
        self.season = season
        self.episodeType = episodeType
        self.isDraft = isDraft
        self.isDeleted = isDeleted
        self.deleteAction = deleteAction
        self.undeleteAction = undeleteAction
        self.message = message
    }
}
