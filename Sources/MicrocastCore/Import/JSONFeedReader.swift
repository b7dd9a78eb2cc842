import Foundation
import HTMLKit

/// Reads a JSON Feed (1.0 or 1.1; micro.blog's export is one) as items to
/// import: each item's title, content, dates, tags and attachments, and the
/// images its content shows, so they are brought home instead of linked to
/// the old host. Relative addresses resolve against the feed's own; for a
/// feed read from disk, they name files beside it, and nothing outside its folder.
public struct JSONFeedReader {
    /// The feed's URL, or its file's.
    public let location: URL

    public init(location: URL) { self.location = location }

    /// Why a feed was not read.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The items, oldest first, and those left out with why.
    public func read(_ data: Data) throws(Failure) -> (items: [ImportItem], skipped: [String]) {
        let feed: [String: JSONValue]
        do {
            guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: data) else {
                throw Failure(description: "not a JSON Feed: the document is not an object")
            }
            feed = object
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "not a JSON Feed: the document is not JSON")
        }
        guard let version = feed["version"]?.stringValue, version.hasPrefix("https://jsonfeed.org/version/") else {
            throw Failure(description: "not a JSON Feed: no jsonfeed.org version")
        }
        var items: [(date: Date?, item: ImportItem)] = []
        var skipped: [String] = []
        var seen = Set<String>()
        for (index, value) in (feed["items"]?.arrayValue ?? []).enumerated() {
            guard case .object(let object) = value, let item = item(object) else {
                skipped.append("item \(index + 1): no id, and nothing to post")
                continue
            }
            guard seen.insert(item.key).inserted else {
                skipped.append("\(item.title): its id is another item's too; the first is kept")
                continue
            }
            items.append((object["date_published"]?.stringValue.flatMap(PostBuilder.parseDate), item))
        }
        let ordered = items.enumerated().sorted { a, b in
            switch (a.element.date, b.element.date) {
            case (let x?, let y?) where x != y: x < y
            default: a.offset < b.offset
            }
        }.map(\.element.item)
        return (ordered, skipped)
    }

    func item(_ object: [String: JSONValue]) -> ImportItem? {
        var id = object["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        // Version 1.0 feeds sometimes give a number.
        if id == nil, case .integer(let number)? = object["id"] { id = String(number) }
        let url = object["url"]?.stringValue.flatMap { address($0)?.remote }
        guard let key = id ?? url?.absoluteString else { return nil }
        var properties: MF2Properties = ["uid": [.string(key)]]
        let title = object["title"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let title { properties["name"] = [.string(title)] }
        var files: [ImportItem.File] = []
        if let html = object["content_html"]?.stringValue, !html.isEmpty {
            // A feed on disk keeps relative addresses: they name files beside it (an export's uploads folder).
            let base: URL? = location.isFileURL ? nil : url ?? location
            let clean = (base.map { HTMLSanitizer.content.resolvingLinks(against: $0) } ?? .content).sanitize(html)
            properties["content"] = [.object(["html": .string(clean)])]
            files += contentImages(clean)
        } else if let text = object["content_text"]?.stringValue, !text.isEmpty {
            properties["content"] = [.string(text)]
        }
        if let summary = object["summary"]?.stringValue, !summary.isEmpty { properties["summary"] = [.string(summary)] }
        if let published = object["date_published"]?.stringValue.flatMap(PostBuilder.parseDate) {
            properties["published"] = [.string(DateText.iso8601(published))]
        }
        let tags = (object["tags"]?.arrayValue ?? []).compactMap(\.stringValue).filter { !$0.isEmpty }
        if !tags.isEmpty { properties["category"] = tags.map(JSONValue.string) }
        var hasRecording = false
        for attachment in object["attachments"]?.arrayValue ?? [] {
            guard let source = attachment.objectValue?["url"]?.stringValue.flatMap(address) else { continue }
            let type = attachment.objectValue?["mime_type"]?.stringValue?.lowercased() ?? ""
            if (type.hasPrefix("audio/") || type.hasPrefix("video/")) && !hasRecording {
                hasRecording = true
                files.append(.init(source: source.source, placement: .recording, isRequired: true, role: "recording"))
            } else if type.hasPrefix("image/") {
                files.append(.init(source: source.source, placement: .property("photo"), role: "photo"))
            }
        }
        if let image = object["image"]?.stringValue.flatMap(address), !files.contains(where: { $0.source == image.source }) {
            files.append(.init(source: image.source, placement: .property("photo"), role: "image"))
        }
        guard properties["content"] != nil || properties["name"] != nil || !files.isEmpty else { return nil }
        let shown =
            title ?? (object["content_text"]?.stringValue ?? PostBuilder.stripTags(object["content_html"]?.stringValue ?? "")).prefix(60).description
        return ImportItem(
            key: "jsonfeed:" + key,
            title: shown.isEmpty ? key : shown,
            create: MicropubCreate(type: "h-entry", properties: properties),
            files: files,
            oldURLs: url.map { [$0] } ?? []
        )
    }

    /// The images the content shows, each fetched once and named by our URL in the content.
    func contentImages(_ html: String) -> [ImportItem.File] {
        var files: [ImportItem.File] = []
        for element in HTMLParser.parseFragment(html).flatMap({ node -> [HTMLElement] in
            guard case .element(let element) = node else { return [] }
            return [element] + element.descendants()
        }) where element.name == "img" {
            guard let src = element[attribute: "src"], let source = address(src) else { continue }
            if let index = files.firstIndex(where: { $0.source == source.source }) {
                if !files[index].replaces.contains(src) { files[index].replaces.append(src) }
                continue
            }
            files.append(.init(source: source.source, placement: .content, replaces: [src], alt: element[attribute: "alt"], role: "image"))
        }
        return files
    }

    /// Where an address leads: a remote URL, or for a feed on disk a file
    /// beside it (never one outside its folder).
    func address(_ text: String) -> (source: ImportItem.Source, remote: URL?)? {
        guard let url = URL(string: text.trimmingCharacters(in: .whitespacesAndNewlines), relativeTo: location)?.absoluteURL else { return nil }
        if url.isFileURL {
            let folder = location.deletingLastPathComponent().standardizedFileURL.path
            let path = url.standardizedFileURL.path
            guard location.isFileURL, path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else { return nil }
            return (.file(URL(fileURLWithPath: path)), nil)
        }
        guard LinkPolicy.isRenderable(url.absoluteString) else { return nil }
        return (.url(url), url)
    }
}
