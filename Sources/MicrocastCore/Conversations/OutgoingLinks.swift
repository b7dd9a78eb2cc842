import Foundation
import HTMLKit

/// The pages a post links, which each get a Webmention: links in its
/// content and the targets of its response properties, absolute http(s)
/// URLs only, our own site's left out, in order without repeats.
public enum OutgoingLinks {
    public static let responseProperties = ["in-reply-to", "like-of", "repost-of", "bookmark-of"]

    public static func targets(of post: Post, contentHTML: String, urls: SiteURLs) -> [String] {
        var found: [String] = []
        for property in responseProperties {
            for value in post.properties[property] ?? [] {
                if let url = responseURL(value) { found.append(url) }
            }
        }
        for element in HTMLParser.parseFragment(contentHTML).flatMap(elements) where element.name == "a" {
            if let href = element[attribute: "href"] { found.append(href) }
        }
        var seen = Set<String>()
        return found.compactMap { text -> String? in
            guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)),
                let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
            else { return nil }
            let absolute = url.absoluteString
            guard !([urls.base] + urls.aliases).contains(where: { absolute == $0 || absolute.hasPrefix($0 + "/") }) else { return nil }
            return seen.insert(WebmentionRequest.normalised(url)).inserted ? absolute : nil
        }
    }

    /// A response property's URL: a plain string, or a JSON h-cite's first `url`.
    public static func responseURL(_ value: JSONValue) -> String? {
        if let text = value.stringValue { return text }
        guard case .array(let urls)? = value.objectValue?["properties"]?.objectValue?["url"] else { return nil }
        return urls.first?.stringValue
    }

    static func elements(_ node: HTMLNode) -> [HTMLElement] {
        guard case .element(let element) = node else { return [] }
        return [element] + element.descendants()
    }
}
