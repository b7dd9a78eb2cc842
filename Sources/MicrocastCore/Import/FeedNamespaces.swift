import HTMLKit

/// The namespaces feeds use, each by every URI publishers write for it.
extension XMLNamespace {
    /// RSS's own elements carry no namespace.
    public static let rss = XMLNamespace(uris: [""])
    public static let itunes = XMLNamespace(uris: ["http://www.itunes.com/dtds/podcast-1.0.dtd", "https://www.itunes.com/dtds/podcast-1.0.dtd"])
    /// Podcasting 2.0, by its current URI and the GitHub address it had first.
    public static let podcast = XMLNamespace(uris: [
        "https://podcastindex.org/namespace/1.0", "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    ])
    public static let content = XMLNamespace(uris: ["http://purl.org/rss/1.0/modules/content/"])
    public static let atom = XMLNamespace(uris: ["http://www.w3.org/2005/Atom"])
}
