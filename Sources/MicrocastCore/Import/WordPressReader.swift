import Foundation
import HTMLKit

/// Reads a WordPress export (WXR 1.0 to 1.2, what Tools → Export writes) as
/// items to import: posts and pages (published; drafts, pending and private
/// ones as drafts; scheduled ones scheduled), their dates, slugs, categories
/// and tags, the featured image, the images their content shows (classic
/// `[gallery]` shortcodes included), the first audio or video they play, and
/// their approved comments. An image is taken from the copied
/// `wp-content/uploads` folder when one is given and holds it, else fetched
/// from its URL; the full-size original rather than a sized copy.
public struct WordPressReader {
    /// A copy of the site's `wp-content/uploads` folder, if the owner has one.
    public let uploads: URL?
    let fileExists: @Sendable (String) -> Bool

    public init(uploads: URL?, fileExists: @escaping @Sendable (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) {
        self.uploads = uploads
        self.fileExists = fileExists
    }

    /// Why an export was not read.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    static let wordpress = XMLNamespace(uris: [
        "http://wordpress.org/export/1.2/", "http://wordpress.org/export/1.1/", "http://wordpress.org/export/1.0/",
    ])
    static let excerpt = XMLNamespace(uris: [
        "http://wordpress.org/export/1.2/excerpt/", "http://wordpress.org/export/1.1/excerpt/", "http://wordpress.org/export/1.0/excerpt/",
    ])
    static let dublinCore = XMLNamespace(uris: ["http://purl.org/dc/elements/1.1/"])

    /// The site's title, its items oldest first, and what was left out.
    public func read(_ data: Data) throws(Failure) -> (title: String, items: [ImportItem], skipped: [String]) {
        let root: XMLTree
        do {
            root = try XMLTree.parse(data)
        } catch {
            throw Failure(description: "the export cannot be read: \(error.description)")
        }
        guard root.name == "rss", let channel = root.first("channel"), channel.first("wxr_version", in: Self.wordpress) != nil else {
            throw Failure(description: "not a WordPress export (WXR): no <wp:wxr_version>")
        }
        let site = channel.value("base_site_url", in: Self.wordpress) ?? channel.value("link", in: .rss) ?? ""
        let all = channel.all("item", in: .rss)
        // Attachments by id: the featured image and galleries name them so.
        var attachments: [String: URL] = [:]
        for item in all where item.value("post_type", in: Self.wordpress) == "attachment" {
            if let id = item.value("post_id", in: Self.wordpress),
                let url = item.value("attachment_url", in: Self.wordpress).flatMap(URL.init(string:))
            {
                attachments[id] = url
            }
        }
        var items: [(date: Date, item: ImportItem)] = []
        var skipped: [String] = []
        for item in all {
            let type = item.value("post_type", in: Self.wordpress) ?? "post"
            guard type == "post" || type == "page" else { continue }
            let status = item.value("status", in: Self.wordpress) ?? "publish"
            let title = item.value("title", in: .rss) ?? ""
            guard status != "trash", status != "auto-draft", status != "inherit" else {
                skipped.append("\(title.isEmpty ? "an untitled \(type)" : title): \(status), not imported")
                continue
            }
            if let made = post(item, type: type, status: status, site: site, attachments: attachments) { items.append(made) }
        }
        let ordered = items.enumerated().sorted { a, b in
            a.element.date != b.element.date ? a.element.date < b.element.date : a.offset < b.offset
        }.map(\.element.item)
        return (channel.value("title", in: .rss) ?? "", ordered, skipped)
    }

    func post(_ item: XMLTree, type: String, status: String, site: String, attachments: [String: URL]) -> (Date, ImportItem)? {
        let wp = Self.wordpress
        guard let id = item.value("post_id", in: wp) else { return nil }
        let title = item.value("title", in: .rss) ?? ""
        let link = item.value("link", in: .rss).flatMap(URL.init(string:))
        let date =
            dateGMT(item.value("post_date_gmt", in: wp)) ?? item.value("pubDate", in: .rss).flatMap(RFC822Dates().parse)
            ?? dateGMT(item.value("post_date", in: wp)) ?? Date(timeIntervalSince1970: 0)
        var properties: MF2Properties = [:]
        var commands: [String: [JSONValue]] = [:]
        if !title.isEmpty { properties["name"] = [.string(title)] }
        properties["published"] = [.string(DateText.iso8601(date))]
        if let guid = item.value("guid", in: .rss) { properties["uid"] = [.string(guid)] }
        if let slug = item.value("post_name", in: wp), !slug.isEmpty { commands["mp-slug"] = [.string(slug)] }
        // Drafts, posts waiting for review and private posts are the owner's only: drafts here.
        if ["draft", "pending", "private"].contains(status) { commands["mp-post-status"] = [.string("draft")] }
        let categories = item.all("category", in: .rss).filter { ["category", "post_tag"].contains($0.attributes["domain"] ?? "") }
            .map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty && $0 != "Uncategorized" }
        var unique: [String] = []
        for name in categories where !unique.contains(name) { unique.append(name) }
        if !unique.isEmpty { properties["category"] = unique.map(JSONValue.string) }
        if let excerpt = item.value("encoded", in: Self.excerpt) { properties["summary"] = [.string(PostBuilder.stripTags(excerpt))] }

        var files: [ImportItem.File] = []
        // Paragraphs first, as WordPress shows a post: then the galleries' images.
        let content = expandGalleries(Self.paragraphs(item.value("encoded", in: .content) ?? ""), attachments: attachments)
        if let recording = recording(in: content, base: link) {
            files.append(.init(source: .url(recording), placement: .recording, role: "recording"))
        }
        let base = link ?? URL(string: site)
        let clean = (base.map { HTMLSanitizer.content.resolvingLinks(against: $0) } ?? .content).sanitize(content)
        if !clean.isEmpty { properties["content"] = [.object(["html": .string(clean)])] }
        files += images(in: clean)
        let featured = item.all("postmeta", in: wp).first { $0.value("meta_key", in: wp) == "_thumbnail_id" }?.value("meta_value", in: wp)
        if let featured, let url = attachments[featured] {
            files.append(.init(source: source(for: url), placement: .property("photo"), role: "featured image"))
        }
        var old: [URL] = []
        if let link { old.append(link) }
        if let site = URL(string: site), let short = URL(string: "?p=\(id)", relativeTo: site)?.absoluteURL { old.append(short) }
        let responses = item.all("comment", in: wp).compactMap(comment)
        let create = MicropubCreate(type: "h-entry", properties: properties, commands: commands)
        let shown = title.isEmpty ? String(PostBuilder.stripTags(clean).prefix(60)) : title
        return (
            date,
            ImportItem(
                key: "wordpress:\(site) \(id)",
                title: shown.isEmpty ? "\(type) \(id)" : shown,
                create: create,
                files: files,
                oldURLs: old,
                responses: responses
            )
        )
    }

    /// `2019-05-03 10:00:00` in UTC; WordPress writes `0000-00-00 00:00:00` for a draft never dated.
    func dateGMT(_ text: String?) -> Date? {
        guard let text, !text.hasPrefix("0000") else { return nil }
        return MF2Date.parse(text + "Z") ?? MF2Date.parse(text)
    }

    /// An approved comment (not a pingback or trackback), as a reply.
    func comment(_ element: XMLTree) -> ImportedResponse? {
        let wp = Self.wordpress
        guard element.value("comment_approved", in: wp) == "1", ["", "comment"].contains(element.value("comment_type", in: wp) ?? ""),
            let id = element.value("comment_id", in: wp)
        else { return nil }
        let text = element.first("comment_content", in: wp)?.text ?? ""
        return ImportedResponse(
            id: id,
            authorName: element.value("comment_author", in: wp) ?? "Someone",
            authorURL: element.value("comment_author_url", in: wp),
            published: dateGMT(element.value("comment_date_gmt", in: wp)) ?? dateGMT(element.value("comment_date", in: wp))
                ?? Date(timeIntervalSince1970: 0),
            contentHTML: HTMLSanitizer.remote.sanitize(Self.paragraphs(text))
        )
    }

    /// WordPress stores text with blank lines between paragraphs and adds
    /// the `<p>`s when it shows a post (`wpautop`); block-editor posts already have them.
    static func paragraphs(_ text: String) -> String {
        guard !text.contains("<p") && !text.contains("<!-- wp:") else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { "<p>" + $0.replacingOccurrences(of: "\n", with: "<br>\n") + "</p>" }.joined(separator: "\n")
    }

    /// `[gallery ids="12,13"]` becomes the images it shows.
    func expandGalleries(_ content: String, attachments: [String: URL]) -> String {
        var text = content
        while let start = text.range(of: "[gallery"), let end = text[start.upperBound...].firstIndex(of: "]") {
            let code = String(text[start.lowerBound...end])
            var images = ""
            if let idsRange = code.range(of: "ids=\"") ?? code.range(of: "ids='"),
                let close = code[idsRange.upperBound...].firstIndex(where: { $0 == "\"" || $0 == "'" })
            {
                for id in code[idsRange.upperBound..<close].split(separator: ",") {
                    if let url = attachments[id.trimmingCharacters(in: .whitespaces)] {
                        images += "<img src=\"\(HTML.escape(url.absoluteString))\" alt=\"\">"
                    }
                }
            }
            text.replaceSubrange(start.lowerBound...end, with: images)
        }
        return text
    }

    /// The first sound or video the post plays: an `<audio>`/`<video>` (or
    /// its `<source>`), or an `[audio]`/`[video]` shortcode.
    func recording(in content: String, base: URL?) -> URL? {
        for element in HTMLParser.parseFragment(content).flatMap(Self.elements) where ["audio", "video", "source"].contains(element.name) {
            if let src = element[attribute: "src"], let url = URL(string: src, relativeTo: base)?.absoluteURL,
                LinkPolicy.isRenderable(url.absoluteString)
            {
                return url
            }
        }
        for code in ["[audio", "[video"] {
            guard let start = content.range(of: code), let end = content[start.upperBound...].firstIndex(of: "]") else { continue }
            for attribute in content[start.upperBound..<end].split(separator: " ") {
                let parts = attribute.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, ["src", "mp3", "m4a", "ogg", "wav", "mp4", "m4v", "webm", "mov"].contains(String(parts[0])) else { continue }
                let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                if let url = URL(string: value), LinkPolicy.isRenderable(value) { return url }
            }
        }
        return nil
    }

    /// The images the content shows, each once (its sized copies and the
    /// link to its full size all replaced by our copy).
    func images(in html: String) -> [ImportItem.File] {
        var files: [ImportItem.File] = []
        var originals: [String: Int] = [:]
        let nodes = HTMLParser.parseFragment(html).flatMap(Self.elements)
        var references: [(url: String, alt: String?, isImage: Bool)] = []
        for element in nodes {
            if element.name == "img", let src = element[attribute: "src"] { references.append((src, element[attribute: "alt"], true)) }
            if element.name == "a", let href = element[attribute: "href"], Self.isUploadedImage(href) { references.append((href, nil, false)) }
        }
        for reference in references {
            guard let url = URL(string: reference.url), LinkPolicy.isRenderable(reference.url) else { continue }
            let original = Self.original(of: url)
            if let index = originals[original.absoluteString] {
                if !files[index].replaces.contains(reference.url) { files[index].replaces.append(reference.url) }
                if files[index].alt == nil { files[index].alt = reference.alt }
                continue
            }
            // A link to a full-size image no `<img>` shows is a link, not a picture of the post.
            guard reference.isImage || references.contains(where: { $0.isImage && Self.original(of: URL(string: $0.url) ?? url) == original }) else {
                continue
            }
            originals[original.absoluteString] = files.count
            files.append(
                .init(source: source(for: original, sized: url), placement: .content, replaces: [reference.url], alt: reference.alt, role: "image")
            )
        }
        return files
    }

    /// Where an uploaded file is had: the copied uploads folder if it holds
    /// it (the original, else the sized copy), else its URL.
    func source(for original: URL, sized: URL? = nil) -> ImportItem.Source {
        if let uploads {
            for url in [original, sized].compactMap({ $0 }) {
                guard let range = url.path.range(of: "/wp-content/uploads/") else { continue }
                let relative = String(url.path[range.upperBound...])
                let file = uploads.appendingPathComponent(relative).standardizedFileURL
                // Only inside the folder given: a `..` in a stranger's URL leads nowhere else.
                guard file.path.hasPrefix(uploads.standardizedFileURL.path + "/"), fileExists(file.path) else { continue }
                return .file(file)
            }
        }
        return .url(original)
    }

    /// `bread-1024x768.jpg` → `bread.jpg`: WordPress's sized copies name their original so.
    static func original(of url: URL) -> URL {
        let name = url.deletingPathExtension().lastPathComponent
        guard let dash = name.lastIndex(of: "-") else { return url }
        let size = name[name.index(after: dash)...].split(separator: "x")
        guard size.count == 2, size.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return url }
        var components = URLComponents(url: url, resolvingAgainstBaseURL: true)
        components?.query = nil
        let originalName = String(name[..<dash]) + "." + url.pathExtension
        return components?.url?.deletingLastPathComponent().appendingPathComponent(originalName) ?? url
    }

    static func isUploadedImage(_ href: String) -> Bool {
        href.contains("/wp-content/uploads/")
            && ["jpg", "jpeg", "png", "gif", "webp", "heic", "avif"].contains(URL(string: href)?.pathExtension.lowercased() ?? "")
    }

    static func elements(_ node: HTMLNode) -> [HTMLElement] {
        guard case .element(let element) = node else { return [] }
        return [element] + element.descendants()
    }
}
