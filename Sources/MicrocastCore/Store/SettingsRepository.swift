/// Named settings (the site's, the podcast show's, the owner's moderation,
/// the stats prefix), each under a `SettingKey`.
public protocol SettingsRepository: Sendable {
    /// Every setting.
    func settings() async throws -> Settings
    /// Sets each value; a nil value removes the setting.
    func setSettings(_ values: [SettingKey: String?]) async throws
}

/// The name a setting is stored under. Every key is made here, from what
/// it is about, so none is spelled in two places.
public struct SettingKey: Hashable, Sendable, CustomStringConvertible {
    /// The stored name.
    public let name: String

    /// A key as the store holds it (for copying a store whole); code names keys by what they are about.
    public init(stored name: String) { self.name = name }

    public var description: String { name }

    public static let siteTitle = SettingKey(stored: "site.title")
    public static let siteAuthor = SettingKey(stored: "site.author")
    /// The base URL `serve` last ran with, and every one the site was ever written under.
    public static let baseURL = SettingKey(stored: "site.base-url")
    public static let baseURLHistory = SettingKey(stored: "site.base-url-history")
    /// Where media files are kept: `local` or a bucket's address (`MediaStoreLocation`); absent, local.
    public static let mediaStore = SettingKey(stored: "media.store")
    /// A podcast show setting, as `microcast show set` names it.
    public static func show(_ key: ShowSettings.Key) -> SettingKey { SettingKey(stored: "show." + key.rawValue) }
    /// The feed URL the show moved to (`microcast show move`), and whether our feed now redirects there.
    public static let showMovedTo = SettingKey(stored: "show.moved-to")
    public static let showMoveRedirects = SettingKey(stored: "show.moved-to.redirect")
    public static let mentionModeration = SettingKey(stored: "mentions.moderation")
    /// The owner's decision about every mention from one domain.
    public static func mentionDomain(_ domain: String) -> SettingKey { SettingKey(stored: mentionDomainPrefix + domain.lowercased()) }
    static let mentionDomainPrefix = "mentions.domain."
    /// The owner's decision about one person on another network (their profile URL).
    public static func mentionAuthor(_ url: String) -> SettingKey { SettingKey(stored: mentionAuthorPrefix + url) }
    static let mentionAuthorPrefix = "mentions.author."
    /// The decision about a sender, whichever kind it is.
    public static func mentionSender(_ sender: MentionSender) -> SettingKey {
        switch sender {
        case .domain(let domain): mentionDomain(domain)
        case .author(let url): mentionAuthor(url)
        }
    }
    /// Days a timeline item is kept (`TimelineRetention`).
    public static let timelineRetentionDays = SettingKey(stored: "timeline.retention-days")
    /// The owner's Microsub channels in order (`TimelineChannels.stored`).
    public static let timelineChannels = SettingKey(stored: "timeline.channels")
    public static let listenerPrefix = SettingKey(stored: "listeners.prefix")
    public static let listenerFiles = SettingKey(stored: "listeners.files")
    public static let listenerPrefixPeriods = SettingKey(stored: "listeners.prefix.periods")
}

/// Every setting as stored, read by key.
public struct Settings: Sendable, Equatable {
    /// The stored names and values (what a store copy carries).
    public var stored: [String: String]

    public init(stored: [String: String] = [:]) { self.stored = stored }

    public subscript(_ key: SettingKey) -> String? {
        get { stored[key.name] }
        set { stored[key.name] = newValue }
    }

    /// The mention decisions, by domain.
    public var mentionDomains: [String: String] { values(under: SettingKey.mentionDomainPrefix) }
    /// The mention decisions about people on other networks, by profile URL.
    public var mentionAuthors: [String: String] { values(under: SettingKey.mentionAuthorPrefix) }

    func values(under prefix: String) -> [String: String] {
        var found: [String: String] = [:]
        for (name, value) in stored where name.hasPrefix(prefix) {
            found[String(name.dropFirst(prefix.count))] = value
        }
        return found
    }
}
