import Foundation

/// An old address of a post that moved here (an import), answered with a
/// 301 to where it is now once the old domain points at this site.
public struct Redirect: Sendable, Equatable, Codable {
    /// The old path, as `RedirectPath.key` makes it.
    public var path: String
    /// Where it leads now: a path on this site (so a new base URL keeps it right).
    public var target: String
    public var createdAt: Date

    public init(path: String, target: String, createdAt: Date = Date()) {
        self.path = path
        self.target = target
        self.createdAt = createdAt
    }
}

/// The redirect table: kept by imports, listed and edited in the studio.
public protocol RedirectRepository: Sendable {
    /// The redirect from one old path (a `RedirectPath.key`), if there is one.
    func redirect(path: String) async throws -> Redirect?
    /// Every redirect, by old path.
    func redirects() async throws -> [Redirect]
    /// Adds the redirect, or points an existing one at the new target.
    func setRedirect(_ redirect: Redirect) async throws
    /// Removes the redirect from `path`; false if there was none.
    func removeRedirect(path: String) async throws -> Bool
}

/// How an old address is keyed: its path as requested (percent-encoding kept,
/// no trailing slash), with the query only when the page is named by it, as
/// WordPress's `?p=123` and `?page_id=7` are.
public enum RedirectPath {
    /// The key for an old URL or path; nil for the home page and for anything that is no path.
    public static func key(_ urlOrPath: String) -> String? {
        let trimmed = urlOrPath.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed) else { return nil }
        var path = components.percentEncodedPath
        if path.isEmpty { path = "/" }
        guard path.hasPrefix("/"), !path.contains("//") else { return nil }
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        let naming = (components.queryItems ?? []).filter { ["p", "page_id"].contains($0.name) && !($0.value ?? "").isEmpty }
        if let item = naming.first, let value = item.value, value.allSatisfy(\.isNumber) {
            return path + "?" + item.name + "=" + value
        }
        return path == "/" ? nil : path
    }

    /// Whether a query names a page the WordPress way (`p=123`, `page_id=7`).
    public static func namesPage(query: String) -> Bool {
        key("/?" + query)?.contains("?") == true
    }

    /// The keys to look up for a request, most specific first.
    public static func candidates(path: String, query: String?) -> [String] {
        let request = query.map { path + "?" + $0 } ?? path
        var keys: [String] = []
        if let withQuery = key(request) { keys.append(withQuery) }
        if let bare = key(path), !keys.contains(bare) { keys.append(bare) }
        return keys
    }

    /// A target the owner typed: a path on this site, or one of our URLs reduced to its path.
    public static func target(_ text: String, base: String) -> String? {
        var value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if value.hasPrefix(base) { value = String(value.dropFirst(base.count)) }
        guard value.hasPrefix("/"), !value.hasPrefix("//"), LinkPolicy.isRenderable("https://example.com" + value) else { return nil }
        return value
    }

    /// The `_redirects` file static hosts read (Netlify, Cloudflare Pages):
    /// `FROM TO 301` a line. Addresses named by their query are left out:
    /// not every such host can match a query.
    public static func staticHostFile(_ redirects: [Redirect]) -> String {
        redirects.filter { !$0.path.contains("?") && !$0.path.contains(" ") && !$0.target.contains(" ") }
            .map { "\($0.path) \($0.target) 301\n" }.joined()
    }
}
