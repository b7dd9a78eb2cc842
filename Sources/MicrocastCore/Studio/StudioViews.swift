import Foundation

/// What every studio page shows: the navigation, the CSRF token its forms
/// carry, and the fingerprinted assets it loads.
public struct StudioFrame: Sendable {
    public var title: String
    public var siteTitle: String
    public var csrf: String
    public var homeURL: String
    public var studioURL: String
    public var stylesheetURL: String
    /// Scripts the page loads, in order (fingerprinted, from this site).
    public var scripts: [String]
    /// Which navigation entry is the current page.
    public var section: String
    /// The navigation, with the current entry marked.
    public var navigation: [NavigationItem]

    public init(
        title: String,
        siteTitle: String,
        csrf: String,
        homeURL: String,
        studioURL: String,
        stylesheetURL: String,
        scripts: [String],
        section: String
    ) {
        self.title = title
        self.siteTitle = siteTitle
        self.csrf = csrf
        self.homeURL = homeURL
        self.studioURL = studioURL
        self.stylesheetURL = stylesheetURL
        self.scripts = scripts
        self.section = section
        navigation = [
            ("new", "Compose"), ("posts", "Posts"), ("media", "Media"), ("show", "Show"), ("mentions", "Mentions"), ("listeners", "Listeners"),
            ("apps", "Apps"),
        ].map {
            NavigationItem(url: "\(studioURL)/\($0.0)", label: $0.1, isCurrent: $0.0 == section)
        }
    }

    /// One entry of the studio's navigation.
    public struct NavigationItem: Sendable {
        public var url: String
        public var label: String
        public var isCurrent: Bool
    }
}

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

    public init(micropubURL: String, uploadsURL: String, previewURL: String, eventsURL: String, signInURL: String, kind: String) {
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

/// Every upload, with what became of it.
public struct MediaListView: Sendable {
    /// One upload as the list shows it.
    public struct Row: Sendable {
        public var id: String
        public var name: String
        public var url: String
        public var kind: String
        public var size: String
        public var details: String
        /// `queued`, `processing`, `done` or `failed`: the element's `data-state`.
        public var state: String
        public var failure: String
        public var renditions: [String]
        public var posts: [String]
        public var jobs: String
        public var canRetry: Bool
        public var canDelete: Bool
        public var retryAction: String
        public var deleteAction: String

        public init(
            id: String,
            name: String,
            url: String,
            kind: String,
            size: String,
            details: String,
            state: String,
            failure: String,
            renditions: [String],
            posts: [String],
            jobs: String,
            canRetry: Bool,
            canDelete: Bool,
            retryAction: String,
            deleteAction: String
        ) {
            self.id = id
            self.name = name
            self.url = url
            self.kind = kind
            self.size = size
            self.details = details
            self.state = state
            self.failure = failure
            self.renditions = renditions
            self.posts = posts
            self.jobs = jobs
            self.canRetry = canRetry
            self.canDelete = canDelete
            self.retryAction = retryAction
            self.deleteAction = deleteAction
        }
    }

    public var rows: [Row]
    public var hasRows: Bool
    public var eventsURL: String

    public init(rows: [Row], eventsURL: String) {
        self.rows = rows
        hasRows = !rows.isEmpty
        self.eventsURL = eventsURL
    }
}

/// The podcast show's settings, as a form.
public struct ShowFormView: Sendable {
    /// One text setting.
    public struct Field: Sendable {
        public var name: String
        public var label: String
        public var value: String
        public var hint: String
    }

    public var action: String
    public var artworkAction: String
    public var artworkURL: String
    public var feedURL: String
    public var fields: [Field]
    public var message: String

    public init(action: String, artworkAction: String, artworkURL: String, feedURL: String, fields: [Field], message: String) {
        self.action = action
        self.artworkAction = artworkAction
        self.artworkURL = artworkURL
        self.feedURL = feedURL
        self.fields = fields
        self.message = message
    }

    public static func fields(_ show: ShowSettings, siteTitle: String, siteAuthor: String) -> [Field] {
        [
            Field(name: "site-title", label: "Site title", value: siteTitle, hint: "Shown on every page"),
            Field(name: "site-author", label: "Your name", value: siteAuthor, hint: "The author of posts"),
            Field(name: "title", label: "Show title", value: show.title, hint: ""),
            Field(name: "description", label: "Description", value: show.description, hint: ""),
            Field(name: "author", label: "Host", value: show.author, hint: "The podcast's author and owner"),
            Field(name: "email", label: "E-mail for podcast directories", value: show.email, hint: "itunes:owner"),
            Field(name: "language", label: "Language", value: show.language, hint: "An ISO 639 code: en, de, fr"),
            Field(name: "category", label: "Apple Podcasts category", value: show.category, hint: "Technology, Arts, …"),
            Field(name: "subcategory", label: "Subcategory", value: show.subcategory, hint: ""),
            Field(name: "explicit", label: "Explicit", value: show.explicit ? "true" : "false", hint: "true or false"),
            Field(name: "type", label: "Type", value: show.type, hint: "episodic or serial"),
            Field(name: "website", label: "Website", value: show.website, hint: ""),
            Field(name: "funding-url", label: "Support page", value: show.fundingURL, hint: "Where listeners can support the show"),
            Field(name: "funding-text", label: "Support link text", value: show.fundingText, hint: ""),
            Field(name: "locked", label: "Locked", value: show.locked ? "yes" : "no", hint: "yes: other platforms may not import the feed"),
        ]
    }
}

/// The studio's mentions page: those waiting for the owner, and the latest decided.
public struct MentionsPageView: Sendable {
    /// One received mention with the owner's actions.
    public struct Row: Sendable {
        public var id: String
        public var kind: String
        public var authorName: String
        public var source: String
        public var domain: String
        public var postURL: String
        public var contentHTML: String
        public var state: String
        public var reason: String
        public var received: String
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
            domain = mention.domain
            self.postURL = postURL
            contentHTML = mention.contentHTML
            state = mention.state.rawValue
            reason = mention.ownerReason ?? ""
            received = DateText.long(mention.receivedAt)
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

/// The Listeners page: downloads per episode, per day (a chart drawn on the
/// server with its numbers as a table), and per app.
public struct ListenersPageView: Sendable {
    /// One episode's downloads in its first week, first month and all time.
    public struct EpisodeRow: Sendable {
        public var title: String
        public var url: String
        public var published: String
        public var firstWeek: Int
        public var firstMonth: Int
        public var allTime: Int
    }

    /// The show's downloads on one day.
    public struct DayRow: Sendable {
        public var day: String
        public var downloads: Int
    }

    /// One app's downloads and its share of all.
    public struct AppRow: Sendable {
        public var name: String
        public var downloads: Int
        public var share: String
    }

    public var episodes: [EpisodeRow]
    /// Stored, not computed: templates see stored properties only.
    public var hasEpisodes: Bool
    public var days: [DayRow]
    public var chartSVG: String
    public var apps: [AppRow]
    public var hasApps: Bool
    public var total: Int
    public var isCounting: Bool

    public init(_ stats: ListenerStats, postURL: (String) -> String, isCounting: Bool) {
        episodes = stats.episodes.map {
            EpisodeRow(
                title: $0.title,
                url: postURL($0.slug),
                published: DateText.long($0.published),
                firstWeek: $0.firstWeek,
                firstMonth: $0.firstMonth,
                allTime: $0.allTime
            )
        }
        days = stats.days.map { DayRow(day: $0.day, downloads: $0.downloads) }
        chartSVG = stats.dailyChartSVG
        let total = stats.apps.reduce(0) { $0 + $1.downloads }
        apps = stats.apps.map {
            AppRow(name: $0.app.displayName, downloads: $0.downloads, share: total == 0 ? "0%" : "\(($0.downloads * 100 + total / 2) / total)%")
        }
        self.total = stats.total
        self.isCounting = isCounting
        hasEpisodes = !episodes.isEmpty
        hasApps = !apps.isEmpty
    }
}
