/// Builds XML text with every attribute value and text node escaped, so no
/// caller ever glues unescaped strings into a feed.
public struct XMLWriter {
    private(set) var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    private var open: [String] = []

    public init() {}

    public mutating func start(_ name: String, _ attributes: [(String, String)] = []) {
        text += indent + "<" + name + Self.attributes(attributes) + ">\n"
        open.append(name)
    }

    public mutating func end() {
        guard let name = open.popLast() else { return }
        text += indent + "</" + name + ">\n"
    }

    /// `<name attrs>text</name>`; skipped when the text is empty and there are no attributes.
    public mutating func element(_ name: String, _ value: String = "", _ attributes: [(String, String)] = []) {
        if value.isEmpty && attributes.isEmpty { return }
        if value.isEmpty {
            text += indent + "<" + name + Self.attributes(attributes) + "/>\n"
        } else {
            text += indent + "<" + name + Self.attributes(attributes) + ">" + Self.escape(value) + "</" + name + ">\n"
        }
    }

    /// Text that may hold markup, as CDATA (split where the text itself contains `]]>`).
    public mutating func cdata(_ name: String, _ value: String) {
        guard !value.isEmpty else { return }
        let safe = value.replacingOccurrences(of: "]]>", with: "]]]]><![CDATA[>")
        text += indent + "<" + name + "><![CDATA[" + safe + "]]></" + name + ">\n"
    }

    public var document: String {
        var copy = self
        while !copy.open.isEmpty { copy.end() }
        return copy.text
    }

    private var indent: String { String(repeating: "  ", count: open.count) }

    static func attributes(_ list: [(String, String)]) -> String {
        list.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    public static func escape(_ value: String) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            // Characters XML 1.0 forbids are dropped rather than breaking the feed.
            case "\u{9}", "\u{A}", "\u{D}": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
