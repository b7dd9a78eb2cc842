import Foundation
import MicrocastCore

/// The site's public base URL as `serve` last ran with it, and every base it
/// ran with before. Posts keep the absolute media URLs they were written
/// with, so after a move (or an export for another host) the old bases are
/// still recognised as ours.
enum BaseURLs {

    /// Records `base` as the current one and returns URLs that know the earlier ones.
    static func record(_ base: String, in settings: any SettingsRepository) async throws -> SiteURLs {
        var history = Self.history(try await settings.settings())
        let urls = SiteURLs(base: base, aliases: history)
        if !history.contains(urls.base) { history.append(urls.base) }
        try await settings.setSettings([.baseURL: urls.base, .baseURLHistory: history.joined(separator: "\n")])
        return urls
    }

    /// URLs for `base`, else the one `serve` last ran with, else the server's
    /// default, knowing every recorded base. The base is added to the history
    /// when it was given (whoever gives one publishes under it) or when the
    /// caller writes posts under it (`writingPosts`: their media URLs are
    /// absolute, and a server that later runs under another base must still
    /// recognise them as ours); a default that nothing was written under is not.
    static func urls(_ base: String?, from settings: any SettingsRepository, writingPosts: Bool = false) async throws -> SiteURLs {
        let stored = try await settings.settings()
        var history = Self.history(stored)
        let urls = SiteURLs(base: base ?? stored[.baseURL] ?? defaultBase, aliases: history)
        if base != nil || writingPosts, !history.contains(urls.base) {
            history.append(urls.base)
            try await settings.setSettings([.baseURLHistory: history.joined(separator: "\n")])
        }
        return urls
    }

    /// What `serve` uses when given no host, port or base URL.
    static let defaultBase = "http://127.0.0.1:8080"

    /// Every base recorded so far, the current one included (older stores kept only that).
    private static func history(_ stored: Settings) -> [String] {
        var history = stored[.baseURLHistory].map { $0.split(separator: "\n").map(String.init) } ?? []
        if let current = stored[.baseURL], !history.contains(current) { history.append(current) }
        return history
    }
}
