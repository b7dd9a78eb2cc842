import Testing

@testable import MicrocastCore

@Suite("Range header grammar")
struct ByteRangeTests {
    @Test("bytes=0-1 asks for the first two bytes, as Apple's player does first")
    func firstTwoBytes() {
        #expect(ByteRange.answer(rangeHeader: "bytes=0-1", size: 1000) == .partial(0...1))
    }

    @Test("bytes=-500 is the last 500 bytes")
    func suffix() {
        #expect(ByteRange.answer(rangeHeader: "bytes=-500", size: 1000) == .partial(500...999))
        #expect(ByteRange.answer(rangeHeader: "bytes=-5000", size: 1000) == .partial(0...999))
    }

    @Test("bytes=N- runs to the end")
    func openEnded() {
        #expect(ByteRange.answer(rangeHeader: "bytes=900-", size: 1000) == .partial(900...999))
    }

    @Test("an end past the file is clamped to the last byte")
    func clampedEnd() {
        #expect(ByteRange.answer(rangeHeader: "bytes=10-99999", size: 1000) == .partial(10...999))
    }

    @Test("a start at or past the end cannot be satisfied")
    func startPastEnd() {
        #expect(ByteRange.answer(rangeHeader: "bytes=1000-", size: 1000) == .unsatisfiable)
        #expect(ByteRange.answer(rangeHeader: "bytes=5000-6000", size: 1000) == .unsatisfiable)
        #expect(ByteRange.answer(rangeHeader: "bytes=-0", size: 1000) == .unsatisfiable)
        #expect(ByteRange.answer(rangeHeader: "bytes=0-", size: 0) == .unsatisfiable)
    }

    @Test("headers we do not honour are ignored, so the whole file is sent")
    func ignored() {
        #expect(ByteRange.answer(rangeHeader: nil, size: 1000) == .whole)
        #expect(ByteRange.answer(rangeHeader: "items=0-1", size: 1000) == .whole)
        #expect(ByteRange.answer(rangeHeader: "bytes=5-2", size: 1000) == .whole)
        #expect(ByteRange.answer(rangeHeader: "bytes=a-b", size: 1000) == .whole)
        #expect(ByteRange.answer(rangeHeader: "bytes=0-1,5-6", size: 1000) == .whole)
    }

    @Test("spaces and upper-case units are tolerated")
    func lenient() {
        #expect(ByteRange.answer(rangeHeader: "Bytes= 2-3 ", size: 1000) == .partial(2...3))
    }
}
