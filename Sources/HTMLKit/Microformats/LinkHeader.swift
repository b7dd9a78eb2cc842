import Foundation

/// One link of an HTTP `Link` header (RFC 8288): its target as written and its `rel` values.
public struct LinkHeaderValue: Sendable, Equatable {
    public var target: String
    public var relations: [String]

    /// Every link in the header field values, in order. Commas and semicolons
    /// inside `<…>` or quoted strings do not split.
    public static func parse(_ fields: [String]) -> [LinkHeaderValue] {
        fields.flatMap(parse(field:))
    }

    static func parse(field: String) -> [LinkHeaderValue] {
        var links: [LinkHeaderValue] = []
        var scalars = Substring(field).unicodeScalars[...]
        while true {
            // `<target>`
            while let first = scalars.first, first != "<" { scalars.removeFirst() }
            guard !scalars.isEmpty else { break }
            scalars.removeFirst()
            var target = ""
            while let next = scalars.first, next != ">" {
                target.unicodeScalars.append(next)
                scalars.removeFirst()
            }
            guard !scalars.isEmpty else { break }
            scalars.removeFirst()
            // `; name=value` parameters up to the next top-level comma
            var relations: [String] = []
            while let next = scalars.first, next != "," {
                guard next == ";" else {
                    scalars.removeFirst()
                    continue
                }
                scalars.removeFirst()
                var name = ""
                while let c = scalars.first, c != "=", c != ";", c != "," {
                    name.unicodeScalars.append(c)
                    scalars.removeFirst()
                }
                var value = ""
                if scalars.first == "=" {
                    scalars.removeFirst()
                    while scalars.first == " " { scalars.removeFirst() }
                    if scalars.first == "\"" {
                        scalars.removeFirst()
                        while let c = scalars.first, c != "\"" {
                            if c == "\\" { scalars.removeFirst() }
                            if let escaped = scalars.first { value.unicodeScalars.append(escaped) }
                            if !scalars.isEmpty { scalars.removeFirst() }
                        }
                        if !scalars.isEmpty { scalars.removeFirst() }
                    } else {
                        while let c = scalars.first, c != ";", c != "," {
                            value.unicodeScalars.append(c)
                            scalars.removeFirst()
                        }
                    }
                }
                if name.trimmingCharacters(in: .whitespaces).lowercased() == "rel" {
                    relations = value.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
                }
            }
            links.append(LinkHeaderValue(target: target.trimmingCharacters(in: .whitespaces), relations: relations))
            guard !scalars.isEmpty else { break }
            scalars.removeFirst()  // the comma
        }
        return links
    }
}

/// Webmention endpoint discovery, exactly as the specification's section
/// 3.1.2 says: the first HTTP `Link` header with `rel="webmention"` wins;
/// otherwise the first `<link>` or `<a>` element, in document order, whose
/// `rel` includes `webmention` and that has an `href`. The endpoint is
/// resolved against the page's URL (after redirects); an empty `href` is the
/// page itself; the endpoint's query string is kept. The page is parsed as a
/// browser would, so comments and escaped markup never match.
public enum WebmentionDiscovery {
    public static func endpoint(pageURL: URL, linkHeaders: [String], html: String?) -> URL? {
        if let link = LinkHeaderValue.parse(linkHeaders).first(where: { $0.relations.contains("webmention") }) {
            return resolve(link.target, against: pageURL)
        }
        guard let html else { return nil }
        let document = HTMLParser.parseDocument(html)
        let element = document.descendants().first { element in
            (element.name == "link" || element.name == "a") && element.relations.contains("webmention") && element[attribute: "href"] != nil
        }
        guard let href = element?[attribute: "href"] else { return nil }
        return resolve(href, against: pageURL)
    }

    static func resolve(_ href: String, against page: URL) -> URL? {
        let trimmed = href.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return page }
        guard let url = URL(string: trimmed, relativeTo: page)?.absoluteURL, ["http", "https"].contains(url.scheme?.lowercased()) else {
            return nil
        }
        return url
    }
}
