/// A parsed HTML tree as plain Swift values, independent of the parser that
/// made it: the sanitiser and the microformats2 parser walk it.
public enum HTMLNode: Sendable, Equatable {
    case element(HTMLElement)
    case text(String)
}

/// One element: its lower-case name, its attributes in source order, its children.
public struct HTMLElement: Sendable, Equatable {
    public var name: String
    public var attributes: [HTMLAttribute]
    public var children: [HTMLNode]

    public init(name: String, attributes: [HTMLAttribute] = [], children: [HTMLNode] = []) {
        self.name = name
        self.attributes = attributes
        self.children = children
    }

    /// The first value of attribute `name`, if present (names are lower case).
    public subscript(attribute name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// Class names, split on ASCII white space as browsers do.
    public var classes: [String] {
        guard let value = self[attribute: "class"] else { return [] }
        return value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0C}" })
            .map(String.init)
    }

    /// `rel` values, lower-cased.
    public var relations: [String] {
        guard let value = self[attribute: "rel"] else { return [] }
        return value.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0C}" })
            .map(String.init)
    }

    /// Element children only.
    public var elements: [HTMLElement] {
        children.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    /// The text of every descendant text node, in document order.
    public var textContent: String {
        var text = ""
        appendText(to: &text)
        return text
    }

    func appendText(to text: inout String) {
        for child in children {
            switch child {
            case .text(let value): text += value
            case .element(let element): element.appendText(to: &text)
            }
        }
    }

    /// Every descendant element in document order (pre-order), this one excluded.
    public func descendants() -> [HTMLElement] {
        var result: [HTMLElement] = []
        var stack = elements.reversed() as [HTMLElement]
        while let next = stack.popLast() {
            result.append(next)
            stack.append(contentsOf: next.elements.reversed())
        }
        return result
    }
}

/// An attribute as parsed: its lower-case name and its decoded value.
public struct HTMLAttribute: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
