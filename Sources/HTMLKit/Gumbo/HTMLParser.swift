import CGumbo

/// Parses HTML the way browsers do (the WHATWG algorithm, through Google's
/// Gumbo) into an `HTMLElement` tree. The only code that calls Gumbo.
///
/// Nesting is bounded before Gumbo sees the page (`NestingBound`: its tree
/// builder is quadratic in depth). Gumbo's own tree is freed in one sweep
/// through an allocator we hand it, never with `gumbo_destroy_output`, which
/// recurses once per level; and our tree stops nesting at `maxDepth` whatever
/// Gumbo built, deeper content kept as text.
public enum HTMLParser {
    /// Deeper than any page a person writes; Chromium's parser stops nesting at 512.
    public static let maxDepth = 256

    /// A whole document: the `html` element, with `head` and `body`.
    public static func parseDocument(_ html: String) -> HTMLElement {
        parse(html, fragment: false)
    }

    /// A fragment, as if it were the content of a `<body>` (Micropub HTML content, Markdown's output).
    public static func parseFragment(_ html: String) -> [HTMLNode] {
        parse(html, fragment: true).children
    }

    static func parse(_ html: String, fragment: Bool) -> HTMLElement {
        let allocations = Allocations()
        defer { allocations.freeAll() }
        var options = kGumboDefaultOptions
        options.userdata = Unmanaged.passUnretained(allocations).toOpaque()
        options.allocator = { userdata, size in
            guard let userdata else { return nil }
            return Unmanaged<Allocations>.fromOpaque(userdata).takeUnretainedValue().allocate(size)
        }
        options.deallocator = { userdata, pointer in
            guard let userdata else { return }
            Unmanaged<Allocations>.fromOpaque(userdata).takeUnretainedValue().free(pointer)
        }
        // Parse errors are not needed, and a broken page would otherwise record one per token.
        options.max_errors = 0
        if fragment {
            options.fragment_context = GUMBO_TAG_BODY
            options.fragment_namespace = GUMBO_NAMESPACE_HTML
        }
        var text = NestingBound.apply(html, limit: maxDepth)
        return text.withUTF8 { bytes in
            let base = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            guard let base, let output = gumbo_parse_with_options(&options, base, bytes.count), let root = output.pointee.root
            else { return HTMLElement(name: "html") }
            return element(root, depth: 0) ?? HTMLElement(name: "html")
        }
    }

    static func element(_ node: UnsafeMutablePointer<GumboNode>, depth: Int) -> HTMLElement? {
        guard node.pointee.type == GUMBO_NODE_ELEMENT || node.pointee.type == GUMBO_NODE_TEMPLATE else { return nil }
        var gumbo = node.pointee.v.element
        var result = HTMLElement(name: name(of: &gumbo), attributes: attributes(of: gumbo))
        let children = gumbo.children
        for index in 0..<Int(children.length) {
            guard let child = children.data[index]?.assumingMemoryBound(to: GumboNode.self) else { continue }
            switch child.pointee.type {
            case GUMBO_NODE_TEXT, GUMBO_NODE_CDATA, GUMBO_NODE_WHITESPACE:
                result.children.append(.text(String(cString: child.pointee.v.text.text)))
            case GUMBO_NODE_ELEMENT, GUMBO_NODE_TEMPLATE:
                if depth + 1 >= maxDepth {
                    result.children.append(.text(flatText(child)))
                } else if let element = element(child, depth: depth + 1) {
                    result.children.append(.element(element))
                }
            default: continue  // comments
            }
        }
        return result
    }

    /// The text under a node, walked with a stack of our own rather than recursion.
    static func flatText(_ node: UnsafeMutablePointer<GumboNode>) -> String {
        var text = ""
        var stack = [node]
        while let next = stack.popLast() {
            switch next.pointee.type {
            case GUMBO_NODE_TEXT, GUMBO_NODE_CDATA, GUMBO_NODE_WHITESPACE:
                text += String(cString: next.pointee.v.text.text)
            case GUMBO_NODE_ELEMENT, GUMBO_NODE_TEMPLATE:
                let children = next.pointee.v.element.children
                for index in (0..<Int(children.length)).reversed() {
                    if let child = children.data[index]?.assumingMemoryBound(to: GumboNode.self) { stack.append(child) }
                }
            default: continue
            }
        }
        return text
    }

    static func name(of element: inout GumboElement) -> String {
        if element.tag != GUMBO_TAG_UNKNOWN, let known = gumbo_normalized_tagname(element.tag) {
            return String(cString: known)
        }
        var original = element.original_tag
        gumbo_tag_from_original_text(&original)
        guard let data = original.data, original.length > 0 else { return "unknown" }
        let bytes = UnsafeRawBufferPointer(start: data, count: original.length)
        return String(decoding: bytes, as: UTF8.self).lowercased()
    }

    static func attributes(of element: GumboElement) -> [HTMLAttribute] {
        let list = element.attributes
        return (0..<Int(list.length)).compactMap { index in
            guard let attribute = list.data[index]?.assumingMemoryBound(to: GumboAttribute.self) else { return nil }
            return HTMLAttribute(name: String(cString: attribute.pointee.name), value: String(cString: attribute.pointee.value))
        }
    }

    /// Every block Gumbo asked for and has not given back; all freed at once after the walk.
    final class Allocations {
        private var live = Set<UnsafeMutableRawPointer>()

        func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
            guard let pointer = malloc(max(size, 1)) else { return nil }
            live.insert(pointer)
            return pointer
        }

        func free(_ pointer: UnsafeMutableRawPointer?) {
            guard let pointer, live.remove(pointer) != nil else { return }
            Glibc.free(pointer)
        }

        func freeAll() {
            for pointer in live { Glibc.free(pointer) }
            live.removeAll()
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
