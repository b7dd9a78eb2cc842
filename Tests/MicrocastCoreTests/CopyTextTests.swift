import Foundation
import MicrocastCore
import Testing

@Suite("A copy's text, fitted to its network")
struct CopyTextTests {
    let permalink = "https://example.com/posts/a-walk"

    @Test("text that fits is sent whole: title, words, hashtags, the permalink")
    func fits() {
        let source = CopySource(title: "A walk", text: "By the sea.", permalink: permalink, tags: ["sea side", "walks"])
        let fitted = CopyText.fit(source, limits: .bluesky)
        #expect(fitted.text == "A walk\n\nBy the sea.\n\n#SeaSide #walks\n\n\(permalink)")
        #expect(!fitted.shortened)
    }

    @Test("too long: cut at a space with an ellipsis, never inside a word or a link, the permalink kept", arguments: [120, 200, 300])
    func cutAtWords(limit: Int) {
        let words = (1...200).map { "word\($0)" }.joined(separator: " ") + " https://example.com/a-link-that-must-never-be-cut"
        let limits = NetworkLimits(maxCharacters: limit, maxImages: 4, imageBytes: 1, videoBytes: 1)
        let fitted = CopyText.fit(CopySource(text: words, permalink: permalink), limits: limits)
        #expect(fitted.shortened)
        #expect(fitted.text.count <= limit)
        #expect(fitted.text.hasSuffix("…\n\n" + permalink))
        let body = fitted.text.components(separatedBy: "\n\n")[0].dropLast()  // without "…"
        #expect(words.hasPrefix(body) && words.dropFirst(body.count).first == " ", "cut at a space")
        #expect(!fitted.text.contains("https://example.com/a-link"), "the link was not cut in half: it went whole")
    }

    @Test("Mastodon counts every link as 23 characters, so a long link costs no more than a short one")
    func mastodonLinks() {
        let long = "https://example.com/" + String(repeating: "x", count: 200)
        let limits = NetworkLimits(maxCharacters: 60, charactersPerURL: 23, maxImages: 4, imageBytes: 1, videoBytes: 1)
        #expect(CopyText.length("see \(long)", charactersPerURL: 23) == 27)
        let fitted = CopyText.fit(CopySource(text: "Read this: \(long)", permalink: permalink), limits: limits)
        #expect(!fitted.shortened && fitted.text.contains(long))
    }

    @Test("graphemes, not code points: joined emoji and flags count once; Bluesky's 3,000 bytes hold too")
    func graphemes() {
        let family = "👩‍👩‍👧"
        #expect(family.count == 1 && family.unicodeScalars.count == 5)
        let text = String(repeating: "\(family) ", count: 400)
        let fitted = CopyText.fit(CopySource(text: text, permalink: permalink), limits: .bluesky)
        #expect(fitted.text.count <= 300 && fitted.text.utf8.count <= 3000)
        #expect(fitted.text.hasSuffix(permalink))
    }

    @Test("facets sit at UTF-8 byte offsets: after accents and emoji, each span is exactly its link, tag or handle")
    func facetOffsets() {
        let text = "Crème brûlée 🇫🇷👩‍👩‍👧 #ThéVert with @friend.test, see https://example.com/é."
        let bytes = Array(text.utf8)
        let facets = CopyText.facets(in: text)
        func span(_ facet: TextFacet) -> String { String(decoding: bytes[facet.byteStart..<facet.byteEnd], as: UTF8.self) }
        #expect(facets.map(span) == ["#ThéVert", "@friend.test", "https://example.com/é"])
        #expect(facets.map(\.feature) == [.tag("ThéVert"), .mention("friend.test"), .link("https://example.com/é")])
    }

    @Test("no facet for a number, an e-mail address or a word that is not a handle")
    func notFacets() {
        let facets = CopyText.facets(in: "Issue #42, mail me@example.com, @nobody, (https://example.com/x_(y))")
        #expect(facets.map(\.feature) == [.link("https://example.com/x_(y)")])
    }

    @Test("categories become hashtags once: title-cased, punctuation dropped, not repeated from the text")
    func hashtags() {
        #expect(
            CopyText.hashtags(["tea time", "IndieWeb", "indieweb", "2026", "c'est la vie"], skipping: "") == ["#TeaTime", "#IndieWeb", "#CEstLaVie"]
        )
        #expect(CopyText.hashtags(["tea"], skipping: "I like #Tea") == [])
    }
}

@Suite("When responses are read")
struct BackfeedScheduleTests {
    @Test("the first look a minute after posting, then half the copy's age apart up to six hours, none after a week: 42 looks")
    func looks() {
        let posted = Date(timeIntervalSince1970: 1_000_000)
        let schedule = BackfeedSchedule()
        let looks = schedule.looks(posted: posted)
        #expect(looks.first == posted.addingTimeInterval(60))
        #expect(looks.count == 42)
        #expect(looks.last.map { $0.timeIntervalSince(posted) <= 7 * 86_400 } == true)
        let gaps = zip(looks, looks.dropFirst()).map { $1.timeIntervalSince($0) }
        #expect(gaps.allSatisfy { $0 >= 60 && $0 <= 6 * 3600 })
        #expect(gaps == gaps.sorted(), "never more often as the copy ages")
        #expect(schedule.nextLook(posted: posted, now: posted.addingTimeInterval(7 * 86_400)) == nil)
    }
}
