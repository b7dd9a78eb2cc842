import Foundation

/// The Content-Security-Policy of the site's pages, in one place for every
/// way they are served: the live server's header, a `<meta>` in each page
/// (so a static export, which has no header of its own, carries it too) and
/// the export's `_headers` file, which Netlify and Cloudflare Pages read.
/// Only the templates' own inline script runs (by hash); a `<script>` or a
/// `javascript:` link in someone's HTML does not.
public enum PagePolicy {
    /// The directives a `<meta>` can carry (`frame-ancestors` is honoured only in a header).
    public static func directives(scriptHashes: [String]) -> [String] {
        [
            "default-src 'self'", "img-src 'self' https: data:", "media-src 'self' https:",
            "style-src 'self' 'unsafe-inline'", "script-src " + (scriptHashes.isEmpty ? "'none'" : scriptHashes.joined(separator: " ")),
            "object-src 'none'", "base-uri 'none'", "form-action 'self'",
        ]
    }

    /// The policy in a page's `<meta http-equiv>`.
    public static func meta(scriptHashes: [String]) -> String {
        directives(scriptHashes: scriptHashes).joined(separator: "; ")
    }

    /// The header: the page's policy, and who may frame it (no one, for the
    /// sign-in, consent and studio pages).
    public static func header(scriptHashes: [String], frameable: Bool) -> String {
        (directives(scriptHashes: scriptHashes) + ["frame-ancestors " + (frameable ? "'self'" : "'none'")]).joined(separator: "; ")
    }

    /// Files from others are served inert (`/media/ID.EXT`, a renamed HTML file cannot run).
    public static let media = "sandbox"

    /// The `_headers` file of a static export: the same headers the live site sends.
    public static func staticHostHeaders(scriptHashes: [String]) -> String {
        """
        /*
          Content-Security-Policy: \(header(scriptHashes: scriptHashes, frameable: true))
          X-Content-Type-Options: nosniff
          Referrer-Policy: strict-origin-when-cross-origin
        /media/*
          Content-Security-Policy: \(media)

        """
    }
}
