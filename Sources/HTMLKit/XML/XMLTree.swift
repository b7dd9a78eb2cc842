import CLibXML2
import Foundation

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

    /// libxml2 sets itself up once per process, before any thread parses.
    private static let initialised: Bool = {
        xmlInitParser()
        return true
    }()

    /// The document's root element, read by libxml2's streaming reader
    /// (Foundation's XMLParser was dropped: fuzzing crashed it in seconds, on
    /// names that are not UTF-8 and on an instruction without data). A
    /// document that declares entities, or is not UTF-8, is refused before it
    /// is parsed: feeds need neither, and entities are how XML bombs and
    /// external-entity reads are made. The reader never loads a DTD, never
    /// substitutes an entity and never touches the network.
    public static func parse(_ data: Data) throws(Unreadable) -> XMLTree {
        if data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw Unreadable(description: "the document declares XML entities, which Microcast does not read")
        }
        guard String(validating: data, as: UTF8.self) != nil else {
            throw Unreadable(description: "the document is not UTF-8 text")
        }
        guard initialised, data.count < Int(Int32.max) else { throw Unreadable(description: "the document is too large") }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        // The reader reads the bytes as it goes: it lives inside this closure.
        let result: Result<XMLTree, Unreadable> = data.withUnsafeBytes { bytes in
            let start = bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
            guard let reader = xmlReaderForMemory(start, Int32(bytes.count), nil, "UTF-8", options) else {
                return .failure(Unreadable(description: "the document cannot be read"))
            }
            defer { xmlFreeTextReader(reader) }
            return read(reader)
        }
        return try result.get()
    }

    private static func read(_ reader: xmlTextReaderPtr) -> Result<XMLTree, Unreadable> {
        var stack = [XMLTree(name: "#document")]
        func close() {
            guard stack.count > 1 else { return }
            let element = stack.removeLast()
            stack[stack.count - 1].children.append(element)
        }
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { break }
            guard status == 1 else {
                return .failure(Unreadable(description: "not well-formed XML (line \(xmlTextReaderGetParserLineNumber(reader)))"))
            }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                guard stack.count <= maxDepth else { return .failure(Unreadable(description: "elements nested more than \(maxDepth) deep")) }
                var element = XMLTree(namespace: string(xmlTextReaderConstNamespaceUri(reader)), name: string(xmlTextReaderConstLocalName(reader)))
                let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
                while xmlTextReaderMoveToNextAttribute(reader) == 1 {
                    // Namespace declarations are how names resolve, not attributes of the element.
                    guard xmlTextReaderIsNamespaceDecl(reader) != 1 else { continue }
                    element.attributes[string(xmlTextReaderConstLocalName(reader))] = string(xmlTextReaderConstValue(reader))
                }
                xmlTextReaderMoveToElement(reader)
                stack.append(element)
                if isEmpty { close() }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                close()
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue), Int32(XML_READER_TYPE_WHITESPACE.rawValue):
                stack[stack.count - 1].text += string(xmlTextReaderConstValue(reader))
            default:
                break
            }
        }
        guard let root = stack.first?.children.first else { return .failure(Unreadable(description: "not well-formed XML: no root element")) }
        return .success(root)
    }

    /// libxml2's UTF-8 as a Swift string; a missing one is empty.
    private static func string(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }
}

/// A namespace as feeds use it, known by every URI publishers write for it.
public struct XMLNamespace: Sendable {
    public var uris: [String]

    public init(uris: [String]) { self.uris = uris }

    public func matches(_ uri: String) -> Bool { uris.contains { $0.caseInsensitiveCompare(uri) == .orderedSame } }
}
