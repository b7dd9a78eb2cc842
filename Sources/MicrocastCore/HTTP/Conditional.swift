import Foundation

/// Conditional GET (RFC 9110 §13) for files with a strong ETag and a modification time.
public struct FileValidators: Sendable, Equatable {
    /// Quoted, strong: `"abc123"`.
    public var etag: String
    public var lastModified: Date

    public init(etag: String, lastModified: Date) {
        self.etag = etag
        // HTTP dates have whole seconds; compare at that precision.
        self.lastModified = Date(timeIntervalSince1970: lastModified.timeIntervalSince1970.rounded(.down))
    }

    /// True when the client's copy is current and a 304 should be sent.
    /// `If-None-Match` wins over `If-Modified-Since` when both are present.
    public func isNotModified(ifNoneMatch: String?, ifModifiedSince: String?) -> Bool {
        if let ifNoneMatch {
            return Self.tags(ifNoneMatch).contains { $0 == "*" || Self.weakEqual($0, etag) }
        }
        if let ifModifiedSince, let since = HTTPDate.parse(ifModifiedSince) {
            return lastModified <= since
        }
        return false
    }

    /// True when a `Range` may be honoured: no `If-Range`, or one that still
    /// names this file (a strong ETag match, or its exact date).
    public func rangeApplies(ifRange: String?) -> Bool {
        guard let ifRange = ifRange?.trimmingCharacters(in: .whitespaces) else { return true }
        if ifRange.hasPrefix("\"") { return ifRange == etag }
        if ifRange.hasPrefix("W/") { return false }
        guard let date = HTTPDate.parse(ifRange) else { return false }
        return date == lastModified
    }

    static func tags(_ header: String) -> [String] {
        header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func weakEqual(_ a: String, _ b: String) -> Bool {
        func opaque(_ tag: String) -> String { tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
        return opaque(a) == opaque(b)
    }
}

/// IMF-fixdate, the only HTTP date format we send; the two obsolete ones are read too.
public enum HTTPDate {
    public static func format(_ date: Date) -> String { formatter("EEE, dd MMM yyyy HH:mm:ss 'GMT'").string(from: date) }

    public static func parse(_ text: String) -> Date? {
        guard let text = DateText.asciiForParsing(text) else { return nil }
        for pattern in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            if let date = formatter(pattern).date(from: text.trimmingCharacters(in: .whitespaces)) { return date }
        }
        return nil
    }

    private static func formatter(_ pattern: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = pattern
        return formatter
    }
}
