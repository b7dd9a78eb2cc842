import CCmark

/// Markdown as GitHub writes it (CommonMark plus tables, strikethrough,
/// autolinks and task lists), through cmark-gfm: the only code that calls it.
/// Its HTML is then sanitised like any other, so inline HTML in the text is
/// kept where the sanitiser allows it and dropped where not.
public enum Markdown {
    static let extensions = ["table", "strikethrough", "autolink", "tasklist"]

    /// Sanitised HTML for Markdown `text`.
    public static func html(_ text: String, sanitizer: HTMLSanitizer = .content) -> String {
        sanitizer.sanitize(unsafeHTML(text))
    }

    /// cmark-gfm's own output, raw HTML passed through: sanitise before showing it.
    static func unsafeHTML(_ text: String) -> String {
        cmark_gfm_core_extensions_ensure_registered()
        let options = CMARK_OPT_UNSAFE | CMARK_OPT_SMART | CMARK_OPT_GITHUB_PRE_LANG
        guard let parser = cmark_parser_new(options) else { return "" }
        defer { cmark_parser_free(parser) }
        for name in extensions {
            if let extensionPointer = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, extensionPointer)
            }
        }
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress { cmark_parser_feed(parser, base, chars.count) }
            }
        }
        guard let document = cmark_parser_finish(parser) else { return "" }
        defer { cmark_node_free(document) }
        guard let rendered = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else { return "" }
        defer { cmark_get_default_mem_allocator().pointee.free(rendered) }
        return String(cString: rendered)
    }
}
