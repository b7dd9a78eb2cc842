import Foundation
import MicrocastCore

/// The site's URLs (fixed for the process) and its title and author (stored
/// with the settings, so the studio or the CLI can change them while the
/// server runs). Pages, feeds and episode tags ask here rather than holding a
/// copy made at start.
public struct SiteDirectory: Sendable {
    public let urls: SiteURLs
    let settings: any SettingsRepository

    public init(urls: SiteURLs, settings: any SettingsRepository) {
        self.urls = urls
        self.settings = settings
    }

    /// The site of a store as commands see it: under the base URL `serve` last recorded.
    public static func recorded(in store: any SettingsRepository, baseURL: String? = nil) async throws -> SiteDirectory {
        SiteDirectory(urls: try await BaseURLs.urls(baseURL, from: store), settings: store)
    }

    static let defaultTitle = "Microcast"
    static let defaultAuthor = "Site owner"

    /// The site as it is now.
    public func info() async throws -> SiteInfo {
        Self.info(urls: urls, stored: try await settings.settings())
    }

    static func info(urls: SiteURLs, stored: Settings) -> SiteInfo {
        SiteInfo(
            title: stored[.siteTitle].flatMap { $0.isEmpty ? nil : $0 } ?? defaultTitle,
            authorName: stored[.siteAuthor].flatMap { $0.isEmpty ? nil : $0 } ?? defaultAuthor,
            urls: urls
        )
    }

    /// Stores a new title or author name (nil leaves one as it is, empty returns it to the default).
    public func set(title: String?, author: String?) async throws {
        var values: [SettingKey: String?] = [:]
        if let title { values[.siteTitle] = title.isEmpty ? String?.none : title }
        if let author { values[.siteAuthor] = author.isEmpty ? String?.none : author }
        if !values.isEmpty { try await settings.setSettings(values) }
    }
}
