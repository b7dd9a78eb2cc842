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

    // MARK: Property values

    func textValue(_ element: HTMLElement) -> String {
        if let value = valueClass(element) { return value }
        if ["abbr", "link"].contains(element.name), let title = element[attribute: "title"] { return title }
        if ["data", "input"].contains(element.name), let value = element[attribute: "value"] { return value }
        if ["img", "area"].contains(element.name), let alt = element[attribute: "alt"] { return alt }
        return textContent(element)
    }

    func urlValue(_ element: HTMLElement) -> MF2Value {
        let attribute: String? =
            switch element.name {
            case "a", "area", "link": "href"
            case "img", "audio", "video", "source", "iframe": "src"
            case "object": "data"
            default: nil
            }
        if let attribute, let url = element[attribute: attribute] {
            let resolved = resolve(url)
            if element.name == "img", let alt = element[attribute: "alt"] { return .image(url: resolved, alt: alt) }
            return .text(resolved)
        }
        if element.name == "video", let poster = element[attribute: "poster"] { return .text(resolve(poster)) }
        if let value = valueClass(element) { return .text(resolve(value)) }
        if element.name == "abbr", let title = element[attribute: "title"] { return .text(resolve(title)) }
        if ["data", "input"].contains(element.name), let value = element[attribute: "value"] { return .text(resolve(value)) }
        return .text(resolve(textContent(element)))
    }

    func dateValue(_ element: HTMLElement) -> String {
        let parts = valueParts(element, dates: true)
        if !parts.isEmpty { return Self.joinDateParts(parts) }
        if ["time", "ins", "del"].contains(element.name), let value = element[attribute: "datetime"] { return value }
        if element.name == "abbr", let title = element[attribute: "title"] { return title }
        if ["data", "input"].contains(element.name), let value = element[attribute: "value"] { return value }
        return textContent(element)
    }

    /// The value-class pattern: the `value` (and `value-title`) children of a
    /// property, outside nested properties and items, joined.
    func valueClass(_ element: HTMLElement) -> String? {
        let parts = valueParts(element, dates: false)
        return parts.isEmpty ? nil : parts.joined()
    }

    func valueParts(_ element: HTMLElement, dates: Bool) -> [String] {
        var parts: [String] = []
        func walk(_ elements: [HTMLElement]) {
            for child in elements {
                let classes = Classes(child)
                if classes.names.contains("value-title") {
                    parts.append(child[attribute: "title"] ?? "")
                } else if classes.names.contains("value") {
                    if ["img", "area"].contains(child.name), let alt = child[attribute: "alt"] {
                        parts.append(alt)
                    } else if child.name == "data" {
                        parts.append(child[attribute: "value"] ?? child.textContent)
                    } else if child.name == "abbr", let title = child[attribute: "title"] {
                        parts.append(title)
                    } else if dates, ["del", "ins", "time"].contains(child.name), let value = child[attribute: "datetime"] {
                        parts.append(value)
                    } else {
                        parts.append(child.textContent)
                    }
                } else if classes.roots.isEmpty && classes.properties.isEmpty {
                    walk(child.elements)
                }
            }
        }
        walk(element.elements)
        return parts
    }

    /// Date and time parts found separately (`2017-05-01`, `10:00`, `-0700`)
    /// joined into one date-time, as the value-class-pattern's date rules say.
    static func joinDateParts(_ parts: [String]) -> String {
        var date: String?
        var time: String?
        var zone: String?
        for raw in parts.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !raw.isEmpty {
            if raw.range(of: #"^\d{4}-\d{2}-\d{2}[T ]"#, options: .regularExpression) != nil {
                return raw  // a whole date-time in one part
            } else if raw.range(of: #"^\d{4}-(\d{2}-\d{2}|\d{3})$"#, options: .regularExpression) != nil {
                if date == nil { date = raw }
            } else if raw.range(of: #"^(Z|[+-]\d{1,2}:?\d{2})$"#, options: .regularExpression) != nil {
                if zone == nil { zone = raw }
            } else if time == nil, let normalised = normaliseTime(raw) {
                time = normalised.time
                if zone == nil { zone = normalised.zone }
            }
        }
        guard let date else { return parts.joined() }
        guard let time else { return date }
        return date + " " + time + (zone ?? "")
    }

    /// `10:00`, `10:00:30`, `10pm`, `10:30 a.m.`, with any zone kept apart.
    static func normaliseTime(_ raw: String) -> (time: String, zone: String?)? {
        let pattern = #"^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([aApP]\.?[mM]\.?)?\s*(Z|[+-]\d{1,2}:?\d{2})?$"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
            let match = regex.firstMatch(in: raw, range: NSRange(raw.startIndex..., in: raw))
        else { return nil }
        func group(_ index: Int) -> String? {
            Range(match.range(at: index), in: raw).map { String(raw[$0]) }
        }
        guard var hour = group(1).flatMap(Int.init) else { return nil }
        let minute = group(2)
        let second = group(3)
        if let meridiem = group(4)?.lowercased() {
            if meridiem.hasPrefix("p"), hour < 12 { hour += 12 }
            if meridiem.hasPrefix("a"), hour == 12 { hour = 0 }
        } else if minute == nil {
            return nil  // a lone number is not a time
        }
        var time = String(format: "%02d:%@", hour, minute ?? "00")
        if let second { time += ":" + second }
        return (time, group(5))
    }

    /// The text of an element as the specification's textContent rule gives
    /// it: scripts and styles dropped, images replaced by their alt text, trimmed.
    func textContent(_ element: HTMLElement) -> String {
        var text = ""
        func walk(_ nodes: [HTMLNode]) {
            for node in nodes {
                switch node {
                case .text(let value): text += value
                case .element(let child):
                    switch child.name {
                    case "script", "style", "template": continue
                    case "img": text += child[attribute: "alt"] ?? ""
                    default: walk(child.children)
                    }
                }
            }
        }
        walk(element.children)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: Implied properties

    func implyProperties(_ root: HTMLElement, into item: inout MF2Item, found: Found) {
        if item.properties["name"] == nil, !found.pOrE, !found.nested {
            item.properties["name"] = [.text(impliedName(root))]
        }
        if item.properties["photo"] == nil, !found.u, !found.nested, let photo = impliedPhoto(root) {
            item.properties["photo"] = [photo]
        }
        if item.properties["url"] == nil, !found.u, !found.nested, let url = impliedURL(root) {
            item.properties["url"] = [.text(url)]
        }
    }

    func impliedName(_ root: HTMLElement) -> String {
        // An empty alt or title names nothing: the specification's `[alt]:not([alt=""])`.
        func named(_ element: HTMLElement) -> String? {
            if ["img", "area"].contains(element.name), let alt = element[attribute: "alt"], !alt.isEmpty { return alt }
            if element.name == "abbr", let title = element[attribute: "title"], !title.isEmpty { return title }
            return nil
        }
        if let name = named(root) { return name }
        if let child = onlyChild(root), Classes(child).roots.isEmpty {
            if let name = named(child) { return name }
            if let grandchild = onlyChild(child), Classes(grandchild).roots.isEmpty, let name = named(grandchild) { return name }
        }
        return textContent(root)
    }

    func impliedPhoto(_ root: HTMLElement) -> MF2Value? {
        func photo(_ element: HTMLElement) -> MF2Value? {
            if element.name == "img", let src = element[attribute: "src"] {
                let url = resolve(src)
                return element[attribute: "alt"].map { .image(url: url, alt: $0) } ?? .text(url)
            }
            if element.name == "object", let data = element[attribute: "data"] { return .text(resolve(data)) }
            return nil
        }
        if let found = photo(root) { return found }
        func only(_ element: HTMLElement, named names: Set<String>) -> HTMLElement? {
            let matching = element.elements.filter { names.contains($0.name) }
            guard matching.count == 1, let first = matching.first, Classes(first).roots.isEmpty else { return nil }
            return first
        }
        if let child = only(root, named: ["img"]) ?? only(root, named: ["object"]) { return photo(child) }
        if let child = onlyChild(root), Classes(child).roots.isEmpty,
            let grandchild = only(child, named: ["img"]) ?? only(child, named: ["object"])
        {
            return photo(grandchild)
        }
        return nil
    }

    func impliedURL(_ root: HTMLElement) -> String? {
        func link(_ element: HTMLElement) -> String? {
            guard ["a", "area"].contains(element.name), let href = element[attribute: "href"] else { return nil }
            return resolve(href)
        }
        if let found = link(root) { return found }
        func only(_ element: HTMLElement) -> HTMLElement? {
            let matching = element.elements.filter { ["a", "area"].contains($0.name) }
            guard matching.count == 1, let first = matching.first, Classes(first).roots.isEmpty else { return nil }
            return first
        }
        if let child = only(root) { return link(child) }
        if let child = onlyChild(root), Classes(child).roots.isEmpty, let grandchild = only(child) { return link(grandchild) }
        return nil
    }

    func onlyChild(_ element: HTMLElement) -> HTMLElement? {
        element.elements.count == 1 ? element.elements.first : nil
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
