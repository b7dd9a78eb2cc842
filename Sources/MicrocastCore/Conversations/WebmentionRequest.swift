import Foundation

/// Why a Webmention was refused before any fetch: the specification's
/// synchronous checks (section 3.2.1), answered 400 with this reason.
public struct WebmentionRefusal: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A received `source`/`target` pair that passed the checks that need no fetch:
/// both http(s) URLs, different, and the target one of our published posts.
public struct WebmentionRequest: Sendable, Equatable {
    public let source: URL
    public let target: URL
    public let postSlug: String

    /// - Parameter post: the slug of the published post a target URL names, or nil.
    public init(form: [String: String], urls: SiteURLs, post: (String) -> String?) throws {
        guard let source = form["source"], !source.isEmpty else { throw WebmentionRefusal("source is missing") }
        guard let target = form["target"], !target.isEmpty else { throw WebmentionRefusal("target is missing") }
        guard let sourceURL = Self.webURL(source) else { throw WebmentionRefusal("source must be an http or https URL") }
        guard let targetURL = Self.webURL(target) else { throw WebmentionRefusal("target must be an http or https URL") }
        guard Self.normalised(sourceURL) != Self.normalised(targetURL) else {
            throw WebmentionRefusal("source and target are the same URL")
        }
        guard let slug = Self.slug(of: targetURL, urls: urls), let published = post(slug) else {
            throw WebmentionRefusal("target is not a published post on this site")
        }
        self.source = sourceURL
        self.target = targetURL
        self.postSlug = published
    }

    static func webURL(_ text: String) -> URL? {
        guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else { return nil }
        return url
    }

    /// A post URL under the site's base (or a base it had before), ignoring any fragment.
    public static func slug(of target: URL, urls: SiteURLs) -> String? {
        var components = URLComponents(url: target, resolvingAgainstBaseURL: false)
        components?.fragment = nil
        components?.query = nil
        guard let bare = components?.string else { return nil }
        for base in [urls.base] + urls.aliases {
            if let slug = SiteURLs(base: base).slug(fromURL: bare) { return slug }
        }
        return nil
    }

    /// For comparing links: no fragment, the host lower-cased, an empty path as `/`.
    public static func normalised(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return url.absoluteString }
        components.fragment = nil
        components.host = components.host?.lowercased()
        components.scheme = components.scheme?.lowercased()
        if components.path.isEmpty { components.path = "/" }
        return components.string ?? url.absoluteString
    }

    public static func normalised(_ text: String) -> String {
        URL(string: text).map { normalised($0) } ?? text
    }
}
