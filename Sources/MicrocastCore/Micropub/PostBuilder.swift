import Foundation
import HTMLKit

/// Turns a Micropub create into a post: chooses its slug, date and status.
public enum PostBuilder {
    public static func post(from create: MicropubCreate, now: Date = Date()) -> Post {
        var properties = create.properties
        let published = properties["published"]?.first?.stringValue.flatMap(parseDate) ?? now
        let postStatus = create.command("mp-post-status") ?? properties["post-status"]?.first?.stringValue
        if properties["published"] == nil {
            properties["published"] = [.string(ISO8601DateFormatter().string(from: published))]
        }
        return Post(
            slug: slug(for: create, published: published),
            type: create.type,
            properties: properties,
            published: published,
            status: .decide(postStatus: postStatus, published: published, now: now)
        )
    }

    /// `mp-slug` if given, else the first words of the name or content, else the time.
    public static func slug(for create: MicropubCreate, published: Date) -> String {
        let source =
            create.command("mp-slug")
            ?? create.properties["name"]?.first?.stringValue
            ?? contentText(create.properties["content"]?.first)
        if let source, case let made = slugify(source, maxWords: 6), !made.isEmpty {
            return made
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: published)
    }

    static func contentText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        // The words a reader sees: a script's or style's text is not among them.
        case .object(let object)?: object["value"]?.stringValue ?? object["html"]?.stringValue.map { stripTags(HTMLSanitizer.content.sanitize($0)) }
        default: nil
        }
    }

    /// Lower-case ASCII letters, digits and dashes; at most `maxWords` words.
    public static func slugify(_ text: String, maxWords: Int) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        let words = folded.lowercased()
            .split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) })
            .prefix(maxWords)
        return String(words.joined(separator: "-").prefix(80))
    }

    /// The text of some HTML: tags become spaces, runs of white space one space.
    /// One pass over the UTF-8 bytes (tags and the white space folded are
    /// ASCII); a regular expression per feed item cost more than the feed.
    public static func stripTags(_ html: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(html.utf8.count)
        var inTag = false
        var lastWasSpace = true
        for byte in html.utf8 {
            if inTag {
                if byte == UInt8(ascii: ">") { inTag = false }
                continue
            }
            let isSpace = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
            if byte == UInt8(ascii: "<") { inTag = true }
            if byte == UInt8(ascii: "<") || isSpace {
                if !lastWasSpace { bytes.append(0x20) }
                lastWasSpace = true
            } else {
                bytes.append(byte)
                lastWasSpace = false
            }
        }
        if bytes.last == 0x20 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// RFC 3339 / ISO 8601 dates as Micropub clients send them, with or without
    /// fractional seconds or a time zone.
    public static func parseDate(_ text: String) -> Date? {
        guard let text = DateText.asciiForParsing(text) else { return nil }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = ISO8601DateFormatter().date(from: text) ?? withFraction.date(from: text) { return date }
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            local.dateFormat = format
            if let date = local.date(from: text) { return date }
        }
        return nil
    }
}
