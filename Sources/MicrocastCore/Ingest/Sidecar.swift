import Foundation

/// What a person wrote about a dropped file in `NAME.json` beside it: the
/// post's words and settings. Every field is optional.
///
///     { "title": "Episode 12", "content": "Show notes…", "published": "2026-11-20T09:00:00Z",
///       "categories": ["tea"], "alt": "A cup of tea", "episode": 12, "season": 2, "draft": false }
///
/// `alt` may be a list for a folder of photos, one per photo in name order.
public struct Sidecar: Equatable, Sendable {
    public var title: String?
    public var content: String?
    public var published: Date?
    public var categories: [String] = []
    public var alt: [String] = []
    public var episode: Int?
    public var season: Int?
    public var isDraft = false

    public init() {}

    /// Reads a sidecar, naming the field and what is wrong with it when it
    /// cannot: the text ends up in `NAME.error.txt` for a person to fix.
    public init(json data: Data) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SidecarError("it is not a JSON object ({ \"title\": \"…\" })")
        }
        let known: Set<String> = [
            "title", "name", "content", "published", "date", "categories", "category", "tags", "alt", "episode", "season", "draft",
        ]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw SidecarError("unknown field \"\(unknown)\"; fields are \(known.sorted().joined(separator: ", "))")
        }
        title = try Self.text(object, "title") ?? Self.text(object, "name")
        content = try Self.text(object, "content")
        if let date = try Self.text(object, "published") ?? Self.text(object, "date") {
            guard let parsed = PostBuilder.parseDate(date) else {
                throw SidecarError("\"published\" is not a date like 2026-11-20 or 2026-11-20T09:00:00Z: \(date)")
            }
            published = parsed
        }
        categories = try Self.texts(object, "categories") ?? Self.texts(object, "category") ?? Self.texts(object, "tags") ?? []
        alt = try Self.texts(object, "alt") ?? []
        episode = try Self.number(object, "episode")
        season = try Self.number(object, "season")
        if let draft = object["draft"] {
            guard let flag = draft as? Bool else { throw SidecarError("\"draft\" must be true or false") }
            isDraft = flag
        }
    }

    private static func text(_ object: [String: Any], _ key: String) throws -> String? {
        guard let value = object[key] else { return nil }
        guard let text = value as? String else { throw SidecarError("\"\(key)\" must be text") }
        return text.isEmpty ? nil : text
    }

    /// A list of texts, or one text.
    private static func texts(_ object: [String: Any], _ key: String) throws -> [String]? {
        guard let value = object[key] else { return nil }
        if let text = value as? String { return [text] }
        guard let list = value as? [Any], let texts = list as? [String] else { throw SidecarError("\"\(key)\" must be text or a list of texts") }
        return texts
    }

    private static func number(_ object: [String: Any], _ key: String) throws -> Int? {
        guard let value = object[key] else { return nil }
        if let number = value as? Int, number >= 0 { return number }
        if let text = value as? String, let number = Int(text), number >= 0 { return number }
        throw SidecarError("\"\(key)\" must be a whole number")
    }
}

/// Why a sidecar cannot be read, naming the field at fault.
public struct SidecarError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
