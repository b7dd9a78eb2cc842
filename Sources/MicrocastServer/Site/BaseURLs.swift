import Foundation
import MicrocastCore

/// The site's public base URL as `serve` last ran with it, and every base it
/// ran with before. Posts keep the absolute media URLs they were written
/// with, so after a move (or an export for another host) the old bases are
/// still recognised as ours.
enum BaseURLs {
    static let currentKey = "site.base-url"
    static let historyKey = "site.base-url-history"

    /// Records `base` as the current one and returns URLs that know the earlier ones.
    static func record(_ base: String, in settings: any SettingsRepository) async throws -> SiteURLs {
        var history = Self.history(try await settings.settings())
        let urls = SiteURLs(base: base, aliases: history)
        if !history.contains(urls.base) { history.append(urls.base) }
        try await settings.setSettings([currentKey: urls.base, historyKey: history.joined(separator: "\n")])
        return urls
    }

    /// URLs for `base` (or the recorded one, or the server's default) that know every recorded base.
    static func urls(_ base: String?, from settings: any SettingsRepository) async throws -> SiteURLs {
        let stored = try await settings.settings()
        return SiteURLs(base: base ?? stored[currentKey] ?? "http://127.0.0.1:8080", aliases: history(stored))
    }

    /// Every base recorded so far, the current one included (older stores kept only that).
    private static func history(_ stored: [String: String]) -> [String] {
        var history = stored[historyKey].map { $0.split(separator: "\n").map(String.init) } ?? []
        if let current = stored[currentKey], !history.contains(current) { history.append(current) }
        return history
    }
}
