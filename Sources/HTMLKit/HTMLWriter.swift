/// Writes HTML with every text and attribute value escaped, so what a
/// sanitiser lets through is exactly the elements it chose.
public struct HTMLWriter: Sendable {
    /// Elements that have no end tag and no content.
    public static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]

    public private(set) var html = ""

    public init() {}

    public mutating func open(_ name: String, _ attributes: [HTMLAttribute] = []) {
        html += "<" + name
        for attribute in attributes {
            html += " " + attribute.name + "=\"" + Self.escape(attribute.value, quotes: true) + "\""
        }
        html += ">"
    }

    public mutating func close(_ name: String) {
        html += "</" + name + ">"
    }

    public mutating func addText(_ value: String) {
        html += Self.escape(value, quotes: false)
    }

    /// `&`, `<`, `>` always; `"` inside attribute values. Non-breaking spaces
    /// stay as characters: the output is UTF-8.
    public static func escape(_ value: String, quotes: Bool) -> String {
        guard
            value.utf8.contains(where: {
                $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || (quotes && $0 == UInt8(ascii: "\""))
            })
        else { return value }
        var result = ""
        result.reserveCapacity(value.utf8.count + 16)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where quotes: result += "&quot;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension HTMLWriter {
    /// Nodes written back out as HTML, unchanged but for escaping (an mf2 `e-*` property's inner HTML).
    public static func serialize(_ nodes: [HTMLNode]) -> String {
        var writer = HTMLWriter()
        writer.write(nodes)
        return writer.html
    }

    mutating func write(_ nodes: [HTMLNode]) {
        for node in nodes {
            switch node {
            case .text(let text): addText(text)
            case .element(let element):
                open(element.name, element.attributes)
                guard !Self.voidElements.contains(element.name) else { continue }
                write(element.children)
                close(element.name)
            }
        }
    }
}
