import Foundation

/// The one rule for a URL that someone else chose (a Micropub client's
/// `in-reply-to` or `syndication`, a Webmention's `u-url`, an author's
/// `u-url` and `u-photo`, a photo or chapters URL) before it reaches an
/// `href`, a `src` or a feed: absolute `http` and `https` only. Anything
/// else (`javascript:`, `data:`, `vbscript:`, a relative path that would
/// resolve against our own site) is shown as text or left out, never linked.
///
/// The live site's Content-Security-Policy would stop a `javascript:` link
/// from running; a static export has no such header of its own, so the
/// rule is applied where the markup is made, for every output alike.
public enum LinkPolicy {
    /// The URL to print, or nil when it may not be linked. It is read the way
    /// a browser reads it (leading and trailing spaces and controls dropped,
    /// tabs and newlines inside ignored), so `java\nscript:` is `javascript:`.
    public static func renderable(_ url: String) -> String? {
        let cleaned = String(
            String.UnicodeScalarView(
                url.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }
                    .drop { $0.value <= 0x20 }
                    .reversed().drop { $0.value <= 0x20 }.reversed()
            )
        )
        let lowered = cleaned.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { return nil }
        // A host is needed: `http:foo` or `https:///x` are not links to anywhere.
        guard let components = URLComponents(string: cleaned), let host = components.host, !host.isEmpty else { return nil }
        return cleaned
    }

    /// Whether `url` may be linked.
    public static func isRenderable(_ url: String) -> Bool { renderable(url) != nil }
}
