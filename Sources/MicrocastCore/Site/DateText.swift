import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The few fixed date formats pages and feeds print, always in UTC. Written
/// out by hand because a DateFormatter per call costs more than rendering an
/// item, and a shared one is not Sendable.
public enum DateText {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let shortMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    static func parts(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    /// The text, if it is ASCII; nil otherwise. Every date format we read is
    /// ASCII, and Foundation's DateFormatter on Linux stops the process
    /// (`Incorrect range CFRange…`, a fatalError) for some non-ASCII input,
    /// found by fuzzing HTTP dates: strangers' text never reaches it unchecked.
    public static func asciiForParsing(_ text: String) -> String? {
        text.utf8.allSatisfy { $0 < 0x80 } ? text : nil
    }

    static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `2024-03-05T10:00:00Z`
    /// A position in a recording: `4:05`, or `1:02:05` past an hour.
    public static func clock(_ seconds: Int) -> String {
        let hours = seconds / 3600
        let minutes = seconds / 60 % 60
        let rest = seconds % 60
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(pad(minutes)):\(pad(rest))" : "\(minutes):\(pad(rest))"
    }

    public static func iso8601(_ date: Date) -> String {
        let t = parts(date)
        return "\(t.tm_year + 1900)-\(two(t.tm_mon + 1))-\(two(t.tm_mday))T\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec))Z"
    }

    /// `Tue, 05 Mar 2024 10:00:00 +0000`, as RSS 2.0 asks. Written into a fixed
    /// 31-byte buffer: feeds print one per item.
    public static func rfc2822(_ date: Date) -> String { fixedWidth(date, zone: "+0000") }

    /// `Tue, 05 Mar 2024 10:00:00 GMT`, HTTP's IMF-fixdate (RFC 9110 §5.6.7):
    /// every answer's `Last-Modified` (Foundation's `DateFormatter` made a
    /// quarter of a cached page's time).
    public static func imfFixdate(_ date: Date) -> String { fixedWidth(date, zone: "GMT") }

    private static func fixedWidth(_ date: Date, zone: String) -> String {
        let t = parts(date)
        var bytes = [UInt8](repeating: 0x20, count: 26 + zone.utf8.count)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { bytes[offset + index] = byte }
        }
        func digits(_ value: Int32, at offset: Int, count: Int) {
            var value = value
            for index in stride(from: offset + count - 1, through: offset, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(weekdays[Int(t.tm_wday)], at: 0)
        bytes[3] = UInt8(ascii: ",")
        digits(t.tm_mday, at: 5, count: 2)
        put(shortMonths[Int(t.tm_mon)], at: 8)
        digits(t.tm_year + 1900, at: 12, count: 4)
        digits(t.tm_hour, at: 17, count: 2)
        bytes[19] = UInt8(ascii: ":")
        digits(t.tm_min, at: 20, count: 2)
        bytes[22] = UInt8(ascii: ":")
        digits(t.tm_sec, at: 23, count: 2)
        put(zone, at: 26)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `5 March 2024`
    public static func long(_ date: Date) -> String {
        let t = parts(date)
        return "\(t.tm_mday) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900)"
    }
}
