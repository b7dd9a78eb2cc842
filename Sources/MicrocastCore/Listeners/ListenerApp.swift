/// The app a download came from, read from its `User-Agent`: the groups a
/// podcaster asks about, in the order they are tried.
public enum ListenerApp: String, Sendable, Codable, CaseIterable, Comparable {
    case applePodcasts = "apple-podcasts"
    case overcast
    case pocketCasts = "pocket-casts"
    case antennaPod = "antennapod"
    case gPodder = "gpodder"
    case castro
    case spotify
    case webPlayer = "web-player"
    case browser
    case other

    /// Markers in user agents, as the apps send them (checked case-insensitively, first match wins).
    static let markers: [(ListenerApp, [String])] = [
        // Apple's app and the system player it streams through (`AppleCoreMedia`), and iTunes on old Macs.
        (.applePodcasts, ["podcasts/", "applecoremedia", "itunes/", "watchos", "podcastsapp"]),
        (.overcast, ["overcast"]),
        (.pocketCasts, ["pocket casts", "pocketcasts"]),
        (.antennaPod, ["antennapod"]),
        (.gPodder, ["gpodder", "mygpoclient", "podcastparser"]),
        (.castro, ["castro"]),
        (.spotify, ["spotify"]),
        // Embeddable players that fetch on a page's behalf.
        (.webPlayer, ["podcast player", "podlove", "podverse", "webplayer", "web player"]),
        (.browser, ["mozilla/", "opera/"]),
    ]

    public init(userAgent: String) {
        let agent = userAgent.lowercased()
        self = Self.markers.first { _, markers in markers.contains { agent.contains($0) } }?.0 ?? .other
    }

    /// How the studio and `microcast stats` name it.
    public var displayName: String {
        switch self {
        case .applePodcasts: "Apple Podcasts"
        case .overcast: "Overcast"
        case .pocketCasts: "Pocket Casts"
        case .antennaPod: "AntennaPod"
        case .gPodder: "gPodder"
        case .castro: "Castro"
        case .spotify: "Spotify"
        case .webPlayer: "Podcast web players"
        case .browser: "Browsers"
        case .other: "Other"
        }
    }

    public static func < (lhs: ListenerApp, rhs: ListenerApp) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
