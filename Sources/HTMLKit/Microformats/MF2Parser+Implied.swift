import Foundation

/// The properties an item implies when it does not say them: its name, photo and URL.
extension MF2Parser {
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
}
