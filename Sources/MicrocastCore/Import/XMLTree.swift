import Foundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element as a feed reader needs it: its namespace and local name,
/// its attributes, its text (CDATA included) and its child elements.
public struct XMLTree: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var attributes: [String: String]
    public var text: String
    public var children: [XMLTree]

    public init(namespace: String = "", name: String, attributes: [String: String] = [:], text: String = "", children: [XMLTree] = []) {
        self.namespace = namespace
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    /// The child elements called `name` in `namespace` (nil: any namespace).
    public func all(_ name: String, in namespace: XMLNamespace? = nil) -> [XMLTree] {
        children.filter { $0.name == name && (namespace?.matches($0.namespace) ?? true) }
    }

    public func first(_ name: String, in namespace: XMLNamespace? = nil) -> XMLTree? {
        children.first { $0.name == name && (namespace?.matches($0.namespace) ?? true) }
    }

    /// The trimmed text of the first such child; nil when absent or empty.
    public func value(_ name: String, in namespace: XMLNamespace? = nil) -> String? {
        guard let text = first(name, in: namespace)?.text.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    /// Why a document was not read.
    public struct Unreadable: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The most a feed may nest: real feeds are a few levels deep.
    static let maxDepth = 64

    /// The document's root element. A document that declares entities is
    /// refused before it is parsed: feeds never need them, and they are how
    /// XML bombs and external-entity reads are made.
    public static func parse(_ data: Data) throws(Unreadable) -> XMLTree {
        if data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw Unreadable(description: "the document declares XML entities, which Microcast does not read")
        }
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let builder = Builder()
        parser.delegate = builder
        let parsed = parser.parse()
        if let failure = builder.failure { throw Unreadable(description: failure) }
        guard parsed, let root = builder.stack.first?.children.first else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element"
            throw Unreadable(description: "not well-formed XML (line \(parser.lineNumber)): \(reason)")
        }
        return root
    }

    /// Builds the tree from the parser's events.
    private final class Builder: NSObject, XMLParserDelegate {
        var stack = [XMLTree(name: "#document")]
        var failure: String?

        func parser(
            _ parser: XMLParser,
            didStartElement elementName: String,
            namespaceURI: String?,
            qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            guard stack.count <= XMLTree.maxDepth else {
                failure = "elements nested more than \(XMLTree.maxDepth) deep"
                parser.abortParsing()
                return
            }
            stack.append(XMLTree(namespace: namespaceURI ?? "", name: elementName, attributes: attributeDict))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard stack.count > 1 else { return }
            let element = stack.removeLast()
            stack[stack.count - 1].children.append(element)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
        }
    }
}

/// The namespaces feeds use, each known by every URI publishers write for it.
public struct XMLNamespace: Sendable {
    public var uris: [String]

    public func matches(_ uri: String) -> Bool { uris.contains { $0.caseInsensitiveCompare(uri) == .orderedSame } }

    /// RSS's own elements carry no namespace.
    public static let rss = XMLNamespace(uris: [""])
    public static let itunes = XMLNamespace(uris: ["http://www.itunes.com/dtds/podcast-1.0.dtd", "https://www.itunes.com/dtds/podcast-1.0.dtd"])
    /// Podcasting 2.0, by its current URI and the GitHub address it had first.
    public static let podcast = XMLNamespace(uris: [
        "https://podcastindex.org/namespace/1.0", "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md",
    ])
    public static let content = XMLNamespace(uris: ["http://purl.org/rss/1.0/modules/content/"])
    public static let atom = XMLNamespace(uris: ["http://www.w3.org/2005/Atom"])
    public static let googlePlay = XMLNamespace(uris: ["http://www.google.com/schemas/play-podcasts/1.0"])
}
