import Foundation
import MediaModel
import Testing

@testable import MicrocastCore

@Suite("Conditional requests")
struct ConditionalTests {
    let modified = Date(timeIntervalSince1970: 1_700_000_000.75)
    var validators: FileValidators { FileValidators(etag: "\"abc\"", lastModified: modified) }

    @Test("If-None-Match with the ETag, weak or in a list, or *, is not modified")
    func ifNoneMatch() {
        #expect(validators.isNotModified(ifNoneMatch: "\"abc\"", ifModifiedSince: nil))
        #expect(validators.isNotModified(ifNoneMatch: "W/\"abc\"", ifModifiedSince: nil))
        #expect(validators.isNotModified(ifNoneMatch: "\"x\", \"abc\"", ifModifiedSince: nil))
        #expect(validators.isNotModified(ifNoneMatch: "*", ifModifiedSince: nil))
        #expect(!validators.isNotModified(ifNoneMatch: "\"other\"", ifModifiedSince: nil))
    }

    @Test("If-Modified-Since compares whole seconds and yields to If-None-Match")
    func ifModifiedSince() {
        let same = HTTPDate.format(modified)
        #expect(validators.isNotModified(ifNoneMatch: nil, ifModifiedSince: same))
        #expect(!validators.isNotModified(ifNoneMatch: nil, ifModifiedSince: HTTPDate.format(modified.addingTimeInterval(-60))))
        #expect(!validators.isNotModified(ifNoneMatch: "\"other\"", ifModifiedSince: same))
    }

    @Test("If-Range honours a strong ETag or the exact date, never a weak ETag")
    func ifRange() {
        #expect(validators.rangeApplies(ifRange: nil))
        #expect(validators.rangeApplies(ifRange: "\"abc\""))
        #expect(!validators.rangeApplies(ifRange: "W/\"abc\""))
        #expect(!validators.rangeApplies(ifRange: "\"old\""))
        #expect(validators.rangeApplies(ifRange: HTTPDate.format(modified)))
        #expect(!validators.rangeApplies(ifRange: HTTPDate.format(modified.addingTimeInterval(-1))))
    }

    @Test("HTTP dates round-trip in IMF-fixdate")
    func dates() {
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == Date(timeIntervalSince1970: 0))
        // The hand-written form agrees with Foundation's formatter, and reads back, across the years.
        let reference = DateFormatter()
        reference.locale = Locale(identifier: "en_US_POSIX")
        reference.timeZone = TimeZone(identifier: "GMT")
        reference.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: TimeInterval(Int.random(in: 0..<4_102_444_800, using: &generator)))
            #expect(HTTPDate.format(date) == reference.string(from: date))
            #expect(HTTPDate.parse(HTTPDate.format(date)) == date)
        }
        // The obsolete forms still read; a malformed fixdate does not.
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") != nil)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") != nil)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:3x GMT") == nil)
        #expect(HTTPDate.parse("Sun, 06 Xyz 1994 08:49:37 GMT") == nil)
    }

    @Test("a date with non-ASCII letters is no date, and does not stop the process (found by fuzzing: Foundation's DateFormatter fatalErrors on it)")
    func nonASCIIDates() {
        // The input the http-range fuzzer found: an If-Modified-Since header from anyone could have stopped the server.
        let found = String(
            decoding: [0x46, 0x72, 0x69, 0xD6, 0xBB, 0x2C, 0xDF, 0xCB, 0x20, 0x9A, 0x9C, 0xDF, 0xCD] + Array("026 10:00:00 ".utf8),
            as: UTF8.self
        )
        #expect(HTTPDate.parse(found) == nil)
        #expect(HTTPDate.parse("Thu, 01 Jän 1970 00:00:00 GMT") == nil)
        #expect(MF2Date.parse("2017-05-01T10:00:00ä") == nil)
        #expect(PostBuilder.parseDate("２０２６-01-01") == nil)
        let validators = FileValidators(etag: "\"a\"", lastModified: Date(timeIntervalSince1970: 0))
        #expect(!validators.isNotModified(ifNoneMatch: nil, ifModifiedSince: found))
    }
}

@Suite("Cookie headers")
struct CookieHeaderTests {
    @Test("the named cookie is found in any Cookie header, the first one winning; names match exactly")
    func values() {
        #expect(CookieHeader.value("mc_session", in: ["a=1; mc_session=abc; b=2"]) == "abc")
        #expect(CookieHeader.value("mc_session", in: ["a=1", " mc_session = x=y "]) == "x=y")
        #expect(CookieHeader.value("mc_session", in: ["mc_session=first", "mc_session=second"]) == "first")
        #expect(CookieHeader.value("mc_session", in: ["mc_sessions=no; Mc_session=no; mc_session"]) == nil)
        #expect(CookieHeader.value("mc_session", in: []) == nil)
    }
}
