import Foundation
import MediaModel
import MicrocastCore
import Testing

/// Captions cut from a transcript, and the four files written from them, without a recogniser.
@Suite("Captions and transcript files")
struct CaptionsTests {
    /// Words a quarter second apart, each lasting 0.2 s.
    static func transcript(_ text: String, from start: Double = 0) -> Transcript {
        let words = text.split(separator: " ").enumerated().map { index, word in
            Transcript.Word(start: start + Double(index) * 0.25, end: start + Double(index) * 0.25 + 0.2, text: String(word))
        }
        return Transcript(language: "en", segments: [.init(start: start, end: words.last?.end ?? start, text: text, words: words)])
    }

    @Test("a sentence's end ends its cue; a long sentence is cut before 7 s or two lines of 42; a brief sentence runs on")
    func cutting() {
        let text =
            "Hello. Welcome to the show about gardens and the people who keep them through every season of the year, rain or shine, for decades. Yes. It is."
        let cues = Captions.cues(Self.transcript(text))
        #expect(cues.first?.text.hasPrefix("Hello. Welcome to the show") == true, "a one-word sentence runs on")
        #expect(cues.first.map { $0.text.count > 42 && $0.lines.count == 2 } == true, "a cue fills two lines before it is cut")
        #expect(cues.allSatisfy { $0.end - $0.start <= Captions.longestCue && $0.lines.count <= 2 })
        #expect(cues.allSatisfy { $0.lines.allSatisfy { $0.count <= Captions.longestLine } })
        #expect(cues.map(\.text).joined(separator: " ") == text, "every word once, in order")
        #expect(cues.contains { $0.text.hasSuffix("decades.") }, "the sentence's end closes its cue")
        #expect(cues.last?.text == "Yes. It is.")
    }

    @Test("no line is longer than 42 even where the middle break would make one so; the cue ends before a word that cannot fit")
    func linesFit() {
        // Heard once from the test episode: its even break is 37 + 43 characters.
        let heard = "Our guest throws tomato in the garden behind the library, and she wrote feeds for everyone."
        let cues = Captions.cues(Self.transcript(heard))
        #expect(cues.count >= 2)
        #expect(cues.allSatisfy { $0.lines.count <= 2 && $0.lines.allSatisfy { $0.count <= 42 } }, "\(cues)")
        #expect(cues.map(\.text).joined(separator: " ") == heard)
        #expect(
            Captions.lines("Our guest throws tomato in the garden behind the library, and") == [
                "Our guest throws tomato in the", "garden behind the library, and",
            ]
        )
    }

    @Test("a segment without word times is spread over its span; a word that runs long is held at most 7 s")
    func withoutWords() {
        let transcript = Transcript(
            language: "en",
            segments: [
                .init(start: 10, end: 14, text: "Four words said slowly."),
                .init(start: 20, end: 40, text: "Long", words: [.init(start: 20, end: 40, text: "Long")]),
            ]
        )
        let cues = Captions.cues(transcript)
        #expect(cues.count == 2)
        #expect(cues[0].start == 10 && abs(cues[0].end - 14) < 0.0001 && cues[0].text == "Four words said slowly.")
        #expect(cues[1].start == 20 && cues[1].end == 27)
    }

    @Test("WebVTT and SubRip timings and escapes, the Podcasting 2.0 JSON, paragraphs of text; our VTT reads back")
    func files() throws {
        let cues = [
            CaptionCue(start: 0.5, end: 3.25, lines: ["Fish & chips <now>"]),
            CaptionCue(start: 3661.001, end: 3663, lines: ["An hour later,", "two lines."]),
        ]
        let vtt = TranscriptWriter.webVTT(cues)
        #expect(
            vtt
                == "WEBVTT\n\n00:00:00.500 --> 00:00:03.250\nFish &amp; chips &lt;now&gt;\n\n01:01:01.001 --> 01:01:03.000\nAn hour later,\ntwo lines.\n"
        )
        #expect(TranscriptWriter.readWebVTT(vtt) == cues)
        #expect(
            TranscriptWriter.subRip(cues)
                == "1\n00:00:00,500 --> 00:00:03,250\nFish & chips <now>\n\n2\n01:01:01,001 --> 01:01:03,000\nAn hour later,\ntwo lines.\n"
        )
        let json = try #require(try JSONSerialization.jsonObject(with: Data(TranscriptWriter.podcastJSON(cues).utf8)) as? [String: Any])
        #expect(json["version"] as? String == "1.0.0")
        let segments = try #require(json["segments"] as? [[String: Any]])
        #expect(
            segments.count == 2 && segments[1]["startTime"] as? Double == 3661.001 && segments[1]["body"] as? String == "An hour later, two lines."
        )
        #expect(TranscriptWriter.plainText(cues) == "Fish & chips <now>\n\nAn hour later, two lines.\n")
        #expect(TranscriptFormat.allCases.map(\.mimeType) == ["text/vtt", "application/x-subrip", "application/json", "text/plain"])
    }

    @Test("the namespace's example VTT reads with its voices taken out")
    func example() {
        let example = """
            WEBVTT

            00:00:00.000 --> 00:00:02.760
            <v Sarah>In today's episode, you'll learn whether or not you

            00:00:02.760 --> 00:00:06.090 align:start
            <v Sarah>should have a podcast trailer.
            """
        let cues = TranscriptWriter.readWebVTT(example)
        #expect(cues.count == 2)
        #expect(cues[0].text == "In today's episode, you'll learn whether or not you" && cues[1].end == 6.09)
    }

    @Test("a transcript rendition's role keeps its format and language in the store's format column")
    func storedRole() {
        let role = RenditionRole.transcript(.vtt, language: "pt-br")
        #expect(role.stored == "transcript-pt-br.vtt")
        #expect(RenditionRole(stored: role.stored, mimeType: "text/vtt") == role)
        #expect(RenditionRole(stored: "transcript-en.doc", mimeType: "text/plain") == nil)
    }

    @Test("a video's page: its made captions as a track and a transcript of seek links; an uploaded transcript keeps them off")
    func videoPage() {
        let site = SiteInfo(title: "Site", authorName: "Host", urls: SiteURLs(base: "https://example.com"))
        let id = "abcdefghijklmnopqrst"
        let media = [
            id: MediaItem(
                id: id,
                kind: .video,
                mimeType: "video/mp4",
                fileExtension: "mp4",
                byteCount: 999,
                sha256: "0",
                probe: MediaProbe(kind: .video, format: "mp4", mimeType: "video/mp4"),
                state: .ready
            )
        ]
        let renditions = [
            id: RenditionSet([
                Rendition(
                    mediaId: id,
                    role: .video("720p"),
                    mimeType: "video/mp4",
                    width: 1280,
                    height: 720,
                    byteCount: 500,
                    fileName: "\(id)-720p.aa.mp4",
                    duration: 9
                ),
                Rendition(
                    mediaId: id,
                    role: .transcript(.vtt, language: "en"),
                    mimeType: "text/vtt",
                    byteCount: 80,
                    fileName: "\(id)-transcript.bb.vtt"
                ),
                Rendition(
                    mediaId: id,
                    role: .transcript(.txt, language: "en"),
                    mimeType: "text/plain",
                    byteCount: 20,
                    fileName: "\(id)-transcript.cc.txt"
                ),
            ])
        ]
        let cues = [CaptionCue(start: 0, end: 2, lines: ["Hello there."]), CaptionCue(start: 62.5, end: 64, lines: ["A minute on."])]
        let post = Post(
            slug: "clip",
            properties: ["video": [.string("https://example.com/media/\(id).mp4")]],
            published: Date(timeIntervalSince1970: 0)
        )
        let view = EntryPresenter(site: site).entry(post, media: media, renditions: renditions, transcripts: [id: cues])
        let video = view.videos.first
        #expect(video?.hasCaptions == true && video?.captionsURL == "https://example.com/media/r/\(id)-transcript.bb.vtt")
        #expect(video?.captionsLanguage == "en")
        #expect(video?.transcript.map(\.seconds) == [0, 62] && video?.transcript.last?.start == "62.500")
        #expect(video?.transcript.last?.text == "A minute on." && video?.transcript.last?.time == DateText.clock(62))

        var uploaded = post
        uploaded.properties["transcript"] = [.string("https://example.com/media/zyxwvutsrqponmlkjihg.vtt")]
        let owned = EntryPresenter(site: site).entry(uploaded, media: media, renditions: renditions, transcripts: [id: cues])
        #expect(owned.videos.first?.hasTranscript == false)
    }
}
