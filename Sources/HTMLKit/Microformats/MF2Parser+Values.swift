import Foundation

/// Reading a property's value from its element: text, URLs, dates (with the
/// value-class pattern), and text as the parsing specification extracts it.
extension MF2Parser {
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
}
