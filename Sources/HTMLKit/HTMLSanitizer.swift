import Foundation

/// Keeps the formatting people write (links, emphasis, lists, images,
/// headings, code, quotes, tables) and nothing that can run, load a frame or
/// restyle the page, by walking a real HTML5 parse tree against allow-lists of
/// elements, attributes and URL schemes. Never regular expressions over markup.
public struct HTMLSanitizer: Sendable {
    /// Element name → attributes it may keep.
    public var elements: [String: Set<String>]
    /// Dropped together with everything inside them (unknown elements are
    /// unwrapped instead: their text stays).
    public var droppedWithContent: Set<String>
    /// Schemes a link may use; relative URLs are always allowed.
    public var linkSchemes: Set<String>
    /// Schemes an image may load from.
    public var imageSchemes: Set<String>
    /// When set, every link gets exactly this `rel` (text from strangers: `nofollow ugc`).
    public var forcedLinkRel: String?
    /// When set, relative links and image sources are made absolute against
    /// it (HTML from another site, whose relative links mean that site).
    public var baseURL: URL?

    /// For the owner's posts and their approved clients' HTML.
    public static let content = HTMLSanitizer(
        elements: [
            "a": ["href", "title", "rel", "class"], "abbr": ["title"], "b": [], "blockquote": ["cite", "class"], "br": [],
            "cite": ["class"], "code": ["class"], "data": ["value", "class"], "dd": [], "del": ["datetime"], "details": [],
            "dfn": [], "div": ["class"], "dl": [], "dt": [], "em": [], "figcaption": [], "figure": [], "h1": [], "h2": [],
            "h3": [], "h4": [], "h5": [], "h6": [], "hr": [], "i": [], "img": ["src", "alt", "title", "width", "height", "class"],
            "ins": ["datetime"], "kbd": [], "li": ["value"], "mark": [], "ol": ["start", "reversed"], "p": ["class"],
            "pre": [], "q": ["cite"], "s": [], "samp": [], "small": [], "span": ["class"], "strong": [], "sub": [],
            "summary": [], "sup": [], "table": [], "tbody": [], "td": ["colspan", "rowspan"], "tfoot": [],
            "th": ["colspan", "rowspan", "scope"], "thead": [], "time": ["datetime", "class"], "tr": [], "u": [],
            "ul": [], "var": [], "wbr": [],
        ],
        droppedWithContent: [
            "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "param", "noscript",
            "template", "svg", "math", "form", "input", "button", "textarea", "select", "option", "title", "head", "meta",
            "link", "base", "audio", "video", "source", "track", "canvas", "map", "area", "portal", "dialog",
        ],
        linkSchemes: ["http", "https", "mailto"],
        imageSchemes: ["http", "https"],
        forcedLinkRel: nil
    )

    /// For text written by other people (received Webmentions): the same
    /// formatting, no images, and links that pass on no reputation.
    public static let remote: HTMLSanitizer = {
        var policy = content
        policy.elements["img"] = nil
        policy.droppedWithContent.insert("img")
        policy.forcedLinkRel = "nofollow ugc"
        return policy
    }()

    public init(
        elements: [String: Set<String>],
        droppedWithContent: Set<String>,
        linkSchemes: Set<String>,
        imageSchemes: Set<String>,
        forcedLinkRel: String?
    ) {
        self.elements = elements
        self.droppedWithContent = droppedWithContent
        self.linkSchemes = linkSchemes
        self.imageSchemes = imageSchemes
        self.forcedLinkRel = forcedLinkRel
    }

    /// The same policy, resolving relative URLs against `base`.
    public func resolvingLinks(against base: URL) -> HTMLSanitizer {
        var policy = self
        policy.baseURL = base
        return policy
    }

    /// Sanitised HTML for a fragment of HTML.
    public func sanitize(_ html: String) -> String {
        guard !html.isEmpty else { return "" }
        var output = HTMLWriter()
        write(HTMLParser.parseFragment(html), to: &output)
        return output.html
    }

    /// Sanitised HTML for nodes already parsed (the content of an mf2 `e-` property).
    public func sanitize(_ nodes: [HTMLNode]) -> String {
        var output = HTMLWriter()
        write(nodes, to: &output)
        return output.html
    }

    func write(_ nodes: [HTMLNode], to output: inout HTMLWriter) {
        for node in nodes {
            switch node {
            case .text(let text): output.addText(text)
            case .element(let element):
                if droppedWithContent.contains(element.name) { continue }
                guard let allowed = elements[element.name] else {
                    write(element.children, to: &output)  // unknown: keep what it says, not what it is
                    continue
                }
                var attributes = element.attributes.compactMap { keep($0, of: element.name, allowed: allowed) }
                if element.name == "a", let forcedLinkRel {
                    attributes.removeAll { $0.name == "rel" }
                    attributes.append(HTMLAttribute(name: "rel", value: forcedLinkRel))
                }
                // An image with nowhere safe to load from is no image.
                if element.name == "img" && !attributes.contains(where: { $0.name == "src" }) { continue }
                output.open(element.name, attributes)
                guard !HTMLWriter.voidElements.contains(element.name) else { continue }
                write(element.children, to: &output)
                output.close(element.name)
            }
        }
    }

    func keep(_ attribute: HTMLAttribute, of element: String, allowed: Set<String>) -> HTMLAttribute? {
        guard allowed.contains(attribute.name) else { return nil }
        var attribute = attribute
        if let baseURL, ["href", "cite", "src"].contains(attribute.name), !attribute.value.hasPrefix("#"),
            Self.isSafe(url: attribute.value, schemes: []),
            let absolute = URL(string: attribute.value.trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: baseURL)?.absoluteString
        {
            // Only relative URLs pass `isSafe` with no schemes allowed: those are resolved.
            attribute.value = absolute
        }
        switch attribute.name {
        case "href", "cite":
            return Self.isSafe(url: attribute.value, schemes: linkSchemes) ? attribute : nil
        case "src":
            return Self.isSafe(url: attribute.value, schemes: imageSchemes) ? attribute : nil
        case "width", "height", "colspan", "rowspan", "start":
            return Self.isSmallNumber(attribute.value) ? attribute : nil
        case "value" where element == "li":
            return Self.isSmallNumber(attribute.value) ? attribute : nil
        case "class":
            // Microformats (an h-card in a post) and code languages (Markdown's fences); no styling hooks.
            let kept = attribute.value.split(separator: " ").filter { name in
                ["h-", "p-", "u-", "dt-", "e-", "language-"].contains { name.hasPrefix($0) }
                    && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
            return kept.isEmpty ? nil : HTMLAttribute(name: "class", value: kept.joined(separator: " "))
        default:
            return attribute
        }
    }

    static func isSmallNumber(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 6 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// A relative URL, or an absolute one with an allowed scheme, read the way
    /// a browser reads it (tabs and newlines inside are ignored, leading
    /// controls and spaces trimmed), so `java&#10;script:` is still `javascript:`.
    public static func isSafe(url: String, schemes: Set<String>) -> Bool {
        let cleaned = url.unicodeScalars.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" }
            .drop { $0.value <= 0x20 }
        var scheme = ""
        for scalar in cleaned {
            if scalar == ":" { return schemes.contains(scheme.lowercased()) }
            if scalar == "/" || scalar == "?" || scalar == "#" { return true }
            guard scalar.isASCII, scheme.count < 32 else { return false }
            scheme.unicodeScalars.append(scalar)
        }
        return true
    }
}
