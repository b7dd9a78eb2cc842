import Foundation

/// A microformats2 parser written to the parsing specification
/// (https://microformats.org/wiki/microformats2-parsing): root and property
/// class names, the `value-class` pattern (dates and times joined), implied
/// `name`, `photo` and `url`, relative URLs resolved against the document's
/// base (its `<base href>` over the page's own URL), and `rel` links.
/// Backward-compatible (microformats1) classes are not parsed.
public struct MF2Parser: Sendable {
    let base: URL?

    /// Parses a whole page fetched from `url` (after redirects).
    public static func parse(html: String, url: URL?) -> MF2Document {
        parse(document: HTMLParser.parseDocument(html), url: url)
    }

    public static func parse(document: HTMLElement, url: URL?) -> MF2Document {
        var base = url
        if let href = document.descendants().first(where: { $0.name == "base" && $0[attribute: "href"] != nil })?[attribute: "href"] {
            base = URL(string: href, relativeTo: url)?.absoluteURL ?? base
        }
        let parser = MF2Parser(base: base)
        return MF2Document(items: parser.findItems(in: document.elements), rels: parser.rels(in: document))
    }

    // MARK: Finding items

    /// Top-level items under `elements`: every root element not inside another.
    func findItems(in elements: [HTMLElement]) -> [MF2Item] {
        var items: [MF2Item] = []
        for element in elements {
            if !Classes(element).roots.isEmpty {
                items.append(parseItem(element))
            } else {
                items.append(contentsOf: findItems(in: element.elements))
            }
        }
        return items
    }

    func parseItem(_ root: HTMLElement) -> MF2Item {
        var item = MF2Item(types: Classes(root).roots, id: root[attribute: "id"].flatMap { $0.isEmpty ? nil : $0 })
        var found = Found()
        collectProperties(from: root.elements, into: &item, found: &found)
        implyProperties(root, into: &item, found: found)
        return item
    }

    /// What explicit properties an item had, which decides which are implied.
    struct Found {
        var pOrE = false
        var u = false
        var nested = false
    }

    func collectProperties(from elements: [HTMLElement], into item: inout MF2Item, found: inout Found) {
        for element in elements {
            let classes = Classes(element)
            let roots = classes.roots
            if !roots.isEmpty {
                var nested = parseItem(element)
                found.nested = true
                if classes.properties.isEmpty {
                    item.children.append(nested)
                    continue
                }
                for property in classes.properties {
                    switch property.prefix {
                    case .p:
                        nested.value = nested.first("name") ?? textValue(element)
                        found.pOrE = true
                    case .u:
                        nested.value = nested.first("url") ?? urlValue(element).plain
                        found.u = true
                    case .dt:
                        nested.value = dateValue(element)
                    case .e:
                        nested.value = textValue(element)
                        found.pOrE = true
                    }
                    item.properties[property.name, default: []].append(.item(nested))
                }
                continue
            }
            for property in classes.properties {
                let value: MF2Value
                switch property.prefix {
                case .p:
                    value = .text(textValue(element))
                    found.pOrE = true
                case .u:
                    value = urlValue(element)
                    found.u = true
                case .dt: value = .text(dateValue(element))
                case .e:
                    value = .html(html: HTMLWriter.serialize(element.children), text: textContent(element))
                    found.pOrE = true
                }
                item.properties[property.name, default: []].append(value)
            }
            collectProperties(from: element.elements, into: &item, found: &found)
        }
    }

    // MARK: URLs and rels

    func resolve(_ value: String) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = URL(string: trimmed, relativeTo: base) else { return trimmed }
        return url.absoluteString
    }

    func rels(in document: HTMLElement) -> [String: [String]] {
        var rels: [String: [String]] = [:]
        for element in document.descendants() where ["a", "link", "area"].contains(element.name) {
            guard let href = element[attribute: "href"] else { continue }
            let url = resolve(href)
            for rel in element.relations where !(rels[rel]?.contains(url) ?? false) {
                rels[rel, default: []].append(url)
            }
        }
        return rels
    }
}

/// An element's microformats2 class names: roots (`h-*`) and properties (`p-`, `u-`, `dt-`, `e-`).
struct Classes {
    enum Prefix: String { case p, u, dt, e }
    struct Property: Equatable {
        var prefix: Prefix
        var name: String
    }

    let names: [String]
    let roots: [String]
    let properties: [Property]

    init(_ element: HTMLElement) {
        names = element.classes
        var roots: [String] = []
        var properties: [Property] = []
        for name in names {
            guard let dash = name.firstIndex(of: "-") else { continue }
            let prefix = String(name[..<dash])
            let rest = String(name[name.index(after: dash)...])
            guard Self.isValidName(rest) else { continue }
            if prefix == "h" {
                if !roots.contains(name) { roots.append(name) }
            } else if let kind = Prefix(rawValue: prefix) {
                let property = Property(prefix: kind, name: rest)
                if !properties.contains(property) { properties.append(property) }
            }
        }
        self.roots = roots.sorted()
        self.properties = properties
    }

    /// Lower-case letters, digits and inner hyphens, with at least one letter (`h-entry`, `h-x-app`, not `h-1`).
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("-"), !name.hasSuffix("-") else { return false }
        var letter = false
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z": letter = true
            case "0"..."9", "-": continue
            default: return false
            }
        }
        return letter
    }
}
