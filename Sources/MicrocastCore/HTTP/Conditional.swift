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
    public static func format(_ date: Date) -> String { DateText.imfFixdate(date) }

    public static func parse(_ text: String) -> Date? {
        guard let text = DateText.asciiForParsing(text) else { return nil }
        if let date = parseFixdate(text) { return date }
        for pattern in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            if let date = formatter(pattern).date(from: text.trimmingCharacters(in: .whitespaces)) { return date }
        }
        return nil
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, the form every current client sends,
    /// read without a `DateFormatter`; nil for anything else (the obsolete
    /// forms go to the formatters).
    static func parseFixdate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 29, bytes[3] == UInt8(ascii: ","), bytes[4] == 0x20, bytes[7] == 0x20, bytes[11] == 0x20,
            bytes[16] == 0x20, bytes[19] == UInt8(ascii: ":"), bytes[22] == UInt8(ascii: ":"), bytes[25] == 0x20,
            String(decoding: bytes[26...], as: UTF8.self) == "GMT",
            let month = DateText.shortMonths.firstIndex(of: String(decoding: bytes[8..<11], as: UTF8.self))
        else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int32(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let day = number(5..<7), let year = number(12..<16), let hour = number(17..<19), let minute = number(20..<22),
            let second = number(23..<25), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(month)
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    private static func formatter(_ pattern: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = pattern
        return formatter
    }
}
