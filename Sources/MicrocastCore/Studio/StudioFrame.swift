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
    public var section: StudioSection
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
        section: StudioSection
    ) {
        self.title = title
        self.siteTitle = siteTitle
        self.csrf = csrf
        self.homeURL = homeURL
        self.studioURL = studioURL
        self.stylesheetURL = stylesheetURL
        self.scripts = scripts
        self.section = section
        navigation = StudioSection.allCases.map {
            NavigationItem(url: "\(studioURL)/\($0.rawValue)", label: $0.label, isCurrent: $0 == section)
        }
    }

    /// One entry of the studio's navigation.
    public struct NavigationItem: Sendable {
        public var url: String
        public var label: String
        public var isCurrent: Bool
    }
}

/// The studio's pages, in the order its navigation lists them; each one's
/// path under `/studio/` is its raw value.
public enum StudioSection: String, Sendable, CaseIterable {
    case new, posts, search, media, show, timeline, following, mentions, listeners, syndication, fediverse
    case imports = "import"
    case apps

    /// Its name in the navigation.
    public var label: String {
        switch self {
        case .new: "Compose"
        case .posts: "Posts"
        case .search: "Search"
        case .media: "Media"
        case .show: "Show"
        case .timeline: "Timeline"
        case .following: "Following"
        case .mentions: "Mentions"
        case .listeners: "Listeners"
        case .syndication: "Syndication"
        case .fediverse: "Fediverse"
        case .imports: "Import"
        case .apps: "Apps"
        }
    }
}
