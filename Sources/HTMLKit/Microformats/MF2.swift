import Foundation

/// A page's microformats2, as the parsing specification
/// (https://microformats.org/wiki/microformats2-parsing) defines the result:
/// top-level items, and the page's `rel` links.
public struct MF2Document: Sendable, Equatable {
    public var items: [MF2Item]
    /// `rel` value → URLs, in document order, without repeats.
    public var rels: [String: [String]]

    public init(items: [MF2Item] = [], rels: [String: [String]] = [:]) {
        self.items = items
        self.rels = rels
    }

    /// Every item on the page, top-level and nested (as properties or children), depth first.
    public var allItems: [MF2Item] {
        var result: [MF2Item] = []
        var stack = Array(items.reversed())
        while let item = stack.popLast() {
            result.append(item)
            let nested = item.properties.values.flatMap { $0 }.compactMap(\.item) + item.children
            stack.append(contentsOf: nested.reversed())
        }
        return result
    }

    /// The JSON the specification gives (`items`, `rels`), for comparison with other parsers.
    public var json: [String: Any] {
        ["items": items.map(\.json), "rels": rels]
    }
}

/// One microformat: its `h-*` types, properties, and nested children.
public struct MF2Item: Sendable, Equatable {
    public var types: [String]
    public var properties: [String: [MF2Value]]
    public var children: [MF2Item]
    /// The element's `id`, when it has one.
    public var id: String?
    /// When the item is a property's value: that property's own parsed value.
    public var value: String?

    public init(types: [String], properties: [String: [MF2Value]] = [:], children: [MF2Item] = [], id: String? = nil, value: String? = nil) {
        self.types = types
        self.properties = properties
        self.children = children
        self.id = id
        self.value = value
    }

    public func has(type: String) -> Bool { types.contains(type) }

    /// The plain values of a property (text, URLs, an item's own value, an HTML value's text).
    public func strings(_ property: String) -> [String] {
        (properties[property] ?? []).map(\.plain)
    }

    public func first(_ property: String) -> String? { strings(property).first }

    public var json: [String: Any] {
        var result: [String: Any] = [
            "type": types,
            "properties": properties.mapValues { $0.map(\.json) },
        ]
        if !children.isEmpty { result["children"] = children.map(\.json) }
        if let id { result["id"] = id }
        if let value { result["value"] = value }
        return result
    }
}

/// A property's value.
public enum MF2Value: Sendable, Equatable {
    case text(String)
    /// An image URL with its alternative text.
    case image(url: String, alt: String)
    /// An `e-*` property: the element's inner HTML and its text.
    case html(html: String, text: String)
    case item(MF2Item)

    /// What a consumer that wants a string sees.
    public var plain: String {
        switch self {
        case .text(let text): text
        case .image(let url, _): url
        case .html(_, let text): text
        case .item(let item): item.value ?? item.first("name") ?? ""
        }
    }

    public var item: MF2Item? {
        if case .item(let item) = self { item } else { nil }
    }

    var json: Any {
        switch self {
        case .text(let text): text
        case .image(let url, let alt): ["value": url, "alt": alt]
        case .html(let html, let text): ["html": html, "value": text]
        case .item(let item): item.json
        }
    }
}
