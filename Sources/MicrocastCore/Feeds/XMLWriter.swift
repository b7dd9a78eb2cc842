/// Builds XML text with every attribute value and text node escaped, so no
/// caller ever glues unescaped strings into a feed.
public struct XMLWriter {
    /// UTF-8 bytes: appending to an array is cheaper than growing a String piece by piece.
    private var bytes: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)
    private var open: [String] = []

    public init() {
        bytes.reserveCapacity(1 << 16)
    }

    /// A writer for one piece of a document, indented as if `depth`
    /// elements were open around it; `fragment` gives its bytes for `append(fragment:)`.
    public init(fragmentAtDepth depth: Int) {
        bytes = []
        open = Array(repeating: "", count: depth)
    }

    /// The piece written so far, without the prolog or closing the elements it sits in.
    public var fragment: [UInt8] { bytes }

    /// Appends a piece made by a fragment writer at this writer's depth.
    public mutating func append(fragment: [UInt8]) { bytes.append(contentsOf: fragment) }

    /// How many elements are open: the depth a fragment written here needs.
    public var depth: Int { open.count }

    private mutating func write(_ piece: String) {
        var piece = piece
        // Native strings copy as one block; the UTF-8 view would go byte by byte.
        piece.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func start(_ name: String, _ attributes: [(String, String)] = []) {
        openTag(name, attributes)
        write(">\n")
        open.append(name)
    }

    public mutating func end() {
        guard let name = open.popLast() else { return }
        write(indent)
        write("</")
        write(name)
        write(">\n")
    }

    /// `<name attrs>text</name>`; skipped when the text is empty and there are no attributes.
    public mutating func element(_ name: String, _ value: String = "", _ attributes: [(String, String)] = []) {
        if value.isEmpty && attributes.isEmpty { return }
        openTag(name, attributes)
        if value.isEmpty {
            write("/>\n")
            return
        }
        write(">")
        writeEscaped(value)
        write("</")
        write(name)
        write(">\n")
    }

    /// Appends `<name attr="value"...` without its closing bracket, straight into the text.
    private mutating func openTag(_ name: String, _ attributes: [(String, String)]) {
        write(indent)
        write("<")
        write(name)
        for (attribute, value) in attributes {
            write(" ")
            write(attribute)
            write("=\"")
            writeEscaped(value)
            write("\"")
        }
    }

    /// Text that may hold markup, as CDATA (split where the text itself contains `]]>`).
    public mutating func cdata(_ name: String, _ value: String) {
        guard !value.isEmpty else { return }
        let safe = Self.containsCDATAEnd(value) ? value.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>") : value
        write(indent)
        write("<")
        write(name)
        write("><![CDATA[")
        write(safe)
        write("]]></")
        write(name)
        write(">\n")
    }

    /// Closes every open element and returns the document (without copying the buffer first).
    public mutating func finish() -> String {
        while !open.isEmpty { end() }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let indents = (0..<16).map { String(repeating: "  ", count: $0) }
    private var indent: String { open.count < Self.indents.count ? Self.indents[open.count] : String(repeating: "  ", count: open.count) }

    /// Whether `]]>` occurs, by bytes: cheaper than a string search for every item.
    static func containsCDATAEnd(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { buffer in
            var run = 0
            for byte in buffer {
                if byte == UInt8(ascii: "]") {
                    run += 1
                } else if byte == UInt8(ascii: ">") && run >= 2 {
                    return true
                } else {
                    run = 0
                }
            }
            return false
        }
    }

    private static let apostrophe = Array("&apos;".utf8)

    /// Escapes straight into the document's bytes.
    private mutating func writeEscaped(_ value: String) {
        Escaping.append(value, to: &bytes, apostrophe: Self.apostrophe, dropControl: true)
    }

    public static func escape(_ value: String) -> String {
        Escaping.escape(value, apostrophe: "&apos;", dropControl: true)
    }
}
