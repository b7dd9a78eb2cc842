import Foundation
import MicrocastApp
import MicrocastCore
import MicrocastHTTP
import TestSupport
import Testing

/// Automatic transcripts as a listener's app and a deaf listener meet them:
/// an episode of known speech gets captions and transcripts in four
/// formats, linked from the feeds, read by independent parsers, and close
/// to what was said; an uploaded transcript wins; with transcription off
/// nothing is queued and nothing fails.
@Suite("Transcripts made with Whisper")
struct TranscriptTests {
    /// Spoken by espeak-ng, so the words are known.
    static let said =
        "Welcome to the show. Today we talk about publishing audio on your own website, with feeds that every podcast app can read. Our guest grows tomatoes in the garden behind the library, and she brought seeds for everyone."

    static func speech(in folder: URL, name: String, rate: Int = 150) async throws -> URL {
        let raw = folder.appendingPathComponent("\(name).wav")
        try await Fixtures.runOffPool("espeak-ng", ["-s", String(rate), "-w", raw.path, said])
        let file = folder.appendingPathComponent("\(name).mp3")
        try await Fixtures.runOffPool("ffmpeg", ["-v", "error", "-y", "-i", raw.path, "-ar", "44100", file.path])
        return file
    }

    static func transcribing(_ configuration: inout ServerConfiguration) {
        configuration.services.transcriber = Transcriber(model: .bundled)
    }

    /// The words, lower case, without punctuation.
    static func words(_ text: String) -> [String] {
        let kept = text.lowercased().map { (character: Character) -> Character in
            character.isLetter || character.isNumber || character == "'" ? character : " "
        }
        return String(kept).split(separator: " ").map(String.init)
    }

    /// Word error rate: the edit distance between the word lists over the words said.
    static func wordErrorRate(said: String, heard: String) -> Double {
        let reference = words(said)
        let hypothesis = words(heard)
        var previous = Array(0...hypothesis.count)
        for (i, word) in reference.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: hypothesis.count)
            for (j, other) in hypothesis.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (word == other ? 0 : 1))
            }
            previous = current
        }
        return Double(previous[hypothesis.count]) / Double(max(1, reference.count))
    }

    /// The feed's `podcast:transcript` elements, each as its attributes.
    static func transcripts(in feed: String) -> [[String: String]] {
        feed.matches(of: /<podcast:transcript ([^>]*)\/>/).map { match in
            Dictionary(
                uniqueKeysWithValues: String(match.1).matches(of: /([a-z]+)="([^"]*)"/).map {
                    (String($0.1), String($0.2).replacingOccurrences(of: "&amp;", with: "&"))
                }
            )
        }
    }

    @Test(
        "an episode of known speech gets WebVTT, SubRip, JSON and text transcripts: linked with their type and language, valid against the namespace's schema, read by independent parsers, under 15 % word error; an uploaded transcript wins"
    )
    func episodeTranscribed() async throws {
        let folder = try Fixtures.folder()
        let recording = try await Self.speech(in: folder, name: "episode")
        try await TestSite.run(configure: Self.transcribing) { site in
            let token = try await site.token("create media")
            let audio = try site.created(try await site.upload(recording, token: token))
            let permalink = try site.created(try await site.postForm([("h", "entry"), ("name", "Tomatoes"), ("audio", audio)], token: token))

            var feed = ""
            try await Webmentions.eventually("the feed links the transcripts") {
                feed = try await site.get("/podcast.xml").text
                return feed.contains("<podcast:transcript")
            }
            let linked = Self.transcripts(in: feed)
            #expect(Set(linked.compactMap { $0["type"] }) == ["text/vtt", "application/x-subrip", "application/json", "text/plain"])
            #expect(linked.allSatisfy { $0["language"] == "en" })
            #expect(Set(linked.filter { $0["rel"] == "captions" }.compactMap { $0["type"] }) == ["text/vtt", "application/x-subrip"])
            func file(_ type: String) async throws -> (url: String, text: String) {
                let url = try #require(linked.first { $0["type"] == type }?["url"])
                let reply = try await site.get(url)
                #expect(reply.status == .ok)
                return (url, reply.text)
            }

            // The namespace's own schema accepts the elements.
            let wrapped = folder.appendingPathComponent("transcripts.xml")
            let elements = feed.matches(of: /<podcast:transcript [^>]*\/>/).map { String($0.0) }.joined(separator: "\n")
            try Data(
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <podcast:test-wrapper xmlns:podcast="https://podcastindex.org/namespace/1.0">
                \(elements)
                </podcast:test-wrapper>
                """.utf8
            )
            .write(to: wrapped)
            let schema = Repository.root.appendingPathComponent("Tests/Schemas/podcast-wrapper.xsd")
            try await Fixtures.runOffPool("xmllint", ["--noout", "--schema", schema.path, wrapped.path])

            // Close to what was said, in every format.
            let text = try await file("text/plain").text
            let rate = Self.wordErrorRate(said: Self.said, heard: text)
            print("transcript word error rate: \(rate) for \"\(text.trimmingCharacters(in: .whitespacesAndNewlines))\"")
            #expect(rate < 0.15)

            // Captions as a player's library reads them: short lines, no cue over 7 s, in order.
            let vtt = try await file("text/vtt")
            let vttFile = folder.appendingPathComponent("captions.vtt")
            try Data(vtt.text.utf8).write(to: vttFile)
            let read =
                try JSONSerialization.jsonObject(
                    with: try await Fixtures.runOffPool(
                        "python3",
                        [
                            "-c",
                            "import json, sys, webvtt; print(json.dumps([[c.start_in_seconds, c.end_in_seconds, c.text] for c in webvtt.read(sys.argv[1])]))",
                            vttFile.path,
                        ]
                    )
                ) as? [[Any]] ?? []
            #expect(read.count >= 3)
            let cues = read.compactMap { cue -> (start: Double, end: Double, text: String)? in
                guard cue.count == 3, let start = cue[0] as? Double, let end = cue[1] as? Double, let text = cue[2] as? String else { return nil }
                return (start, end, text)
            }
            #expect(cues.count == read.count)
            #expect(cues.allSatisfy { $0.end > $0.start && $0.end - $0.start <= 7.0001 })
            #expect(zip(cues, cues.dropFirst()).allSatisfy { $0.start <= $1.start })
            #expect(cues.allSatisfy { $0.text.split(separator: "\n").allSatisfy { $0.count <= 42 } && $0.text.split(separator: "\n").count <= 2 })
            #expect(Self.wordErrorRate(said: Self.said, heard: cues.map(\.text).joined(separator: " ")) < 0.15)

            let srt = try await file("application/x-subrip")
            let srtFile = folder.appendingPathComponent("captions.srt")
            try Data(srt.text.utf8).write(to: srtFile)
            let srtCount = String(
                decoding: try await Fixtures.runOffPool(
                    "python3",
                    ["-c", "import sys, srt; print(len(list(srt.parse(open(sys.argv[1]).read()))))", srtFile.path]
                ),
                as: UTF8.self
            )
            #expect(Int(srtCount.trimmingCharacters(in: .whitespacesAndNewlines)) == cues.count)

            let json = try JSONSerialization.jsonObject(with: Data(try await file("application/json").text.utf8)) as? [String: Any]
            #expect(json?["version"] as? String == "1.0.0")
            let segments = json?["segments"] as? [[String: Any]] ?? []
            #expect(segments.count == cues.count && segments.allSatisfy { $0["startTime"] is Double && $0["body"] is String })

            // JSON Feed readers find them among the attachments, after the recording.
            let jsonFeed = try JSONSerialization.jsonObject(with: try await site.get("/podcast.json").body) as? [String: Any]
            let attachments = ((jsonFeed?["items"] as? [[String: Any]])?.first?["attachments"] as? [[String: Any]]) ?? []
            #expect(attachments.first?["mime_type"] as? String == "audio/mpeg")
            #expect(Set(attachments.compactMap { $0["url"] as? String }).isSuperset(of: linked.compactMap { $0["url"] }))

            // The post's page: the transcript folded under the player, each caption a link to its moment.
            let page = try await site.get(permalink)
            #expect(page.text.contains("<details class=\"transcript\"><summary>Transcript</summary>"))
            let links = page.text.matches(of: /<a href="\?t=(\d+)" data-seek="([0-9.]+)" title="[0-9:]+">([^<]*)<\/a>/)
            #expect(links.count == cues.count && links.first.map { String($0.3) } == cues.first?.text)
            // webvtt-py gives whole seconds.
            #expect(zip(links, cues).allSatisfy { Int(String($0.1)) == Int($1.start) && abs((Double(String($0.2)) ?? -9) - $1.start) < 1 })

            // A transcript the owner uploads wins over the one made.
            let vttUpload = folder.appendingPathComponent("mine.vtt")
            try Data("WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nWelcome to the show, as I wrote it in Reykjavik.\n".utf8).write(to: vttUpload)
            let mine = try site.created(try await site.upload(vttUpload, token: token))
            // Other bytes: the same file uploaded again would be the same item.
            let second = try await Self.speech(in: folder, name: "second", rate: 170)
            let secondAudio = try site.created(try await site.upload(second, token: token))
            _ = try site.created(
                try await site.postForm([("h", "entry"), ("name", "Written"), ("audio", secondAudio), ("transcript", mine)], token: token)
            )
            let secondId = try #require(URL(string: secondAudio)?.deletingPathExtension().lastPathComponent)
            #expect(secondId != URL(string: audio)?.deletingPathExtension().lastPathComponent)
            try await Webmentions.eventually("the second recording is transcribed too") {
                let jobs = try await site.store.jobs(subject: .media(secondId))
                if jobs.contains(where: { $0.state == .failed }) { Issue.record("\(jobs)") }
                return jobs.contains { $0.kind == .transcribe && $0.state == .done }
            }
            let written = try await site.get("/podcast.xml").text
            let item = try #require(written.components(separatedBy: "<item>").first { $0.contains("<title>Written</title>") })
            #expect(Self.transcripts(in: item).compactMap { $0["url"] } == [mine])
            // Its words are the ones the page shows and search finds.
            let writtenPage = try await site.get(try #require(item.firstMatch(of: /<link>([^<]+)<\/link>/).map { String($0.1) }))
            #expect(
                writtenPage.text.contains("data-seek=\"0.000\" title=\"0:00\">Welcome to the show, as I wrote it in Reykjavik.</a>"),
                "\(writtenPage.text)"
            )
            let found = try await site.get("/search?q=reykjavik").text
            #expect(found.contains("Said at 0:00") && found.contains("<mark>Reykjavik</mark>"), "\(found)")
        }
    }

    /// A video of the same speech over a plain picture.
    static func video(in folder: URL, speech: URL) async throws -> URL {
        let file = folder.appendingPathComponent("walk.mp4")
        try await Fixtures.runOffPool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=steelblue:s=320x240:r=25", "-i", speech.path, "-shortest",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", file.path,
            ]
        )
        return file
    }

    static func mediaId(_ url: String) throws -> String {
        try #require(URL(string: url)?.deletingPathExtension().lastPathComponent)
    }

    static func waitForTranscripts(_ site: TestSite, _ id: String, done count: Int) async throws {
        try await Webmentions.eventually("\(id) transcribed \(count) time(s)") {
            let jobs = try await site.store.jobs(subject: .media(id))
            if let failed = jobs.first(where: { $0.state == .failed }) { Issue.record("\(failed)") }
            return jobs.filter { $0.kind == .transcribe && $0.state == .done }.count >= count
                && !jobs.contains { $0.state == .queued || $0.state == .running }
        }
    }

    @Test(
        "search finds a word said only in the audio, and its link starts the player at that moment in Chromium; a video's captions track loads; the owner's corrections survive processing again, until the owner asks for a new transcript"
    )
    func searchCaptionsAndCorrections() async throws {
        let folder = try Fixtures.folder()
        let recording = try await Self.speech(in: folder, name: "episode")
        let movie = try await Self.video(in: folder, speech: try await Self.speech(in: folder, name: "video", rate: 165))
        try await TestSite.run(configure: Self.transcribing) { site in
            let token = try await site.token("create media")
            let audio = try site.created(try await site.upload(recording, token: token))
            let episode = try site.created(try await site.postForm([("h", "entry"), ("name", "Episode one"), ("audio", audio)], token: token))
            let video = try site.created(try await site.upload(movie, token: token))
            let walk = try site.created(try await site.postForm([("h", "entry"), ("name", "A walk"), ("video", video)], token: token))
            let audioId = try Self.mediaId(audio)
            let videoId = try Self.mediaId(video)
            try await Self.waitForTranscripts(site, audioId, done: 1)
            try await Self.waitForTranscripts(site, videoId, done: 1)
            let stored = try await site.store.transcripts(forMedia: [audioId, videoId])
            func start(of word: String, in id: String) throws -> Double {
                try #require(stored[id]?.cues.first { $0.text.lowercased().contains(word) }?.start, "\(word) in \(stored[id]?.cues ?? [])")
            }

            // Discovery: the home page names the OpenSearch description, which names the search page.
            let home = try await site.get("/")
            #expect(home.text.contains("<link rel=\"search\" type=\"application/opensearchdescription+xml\""))
            #expect(home.headers.first(name: "Link")?.contains("rel=\"search\"") == true)
            #expect(home.text.contains("<form class=\"search\" role=\"search\" action=\"\(site.base)/search\""))
            let description = try await site.get("/opensearch.xml")
            #expect(description.headers.first(name: "Content-Type")?.hasPrefix("application/opensearchdescription+xml") == true)
            #expect(description.text.contains("template=\"\(site.base)/search?q={searchTerms}\""))

            // "tomatoes" is said in both recordings and written nowhere (tiny.en
            // sometimes hears "tomato", which the search's stemming finds as well).
            let results = try await site.get("/search?q=tomatoes")
            #expect(results.status == .ok)
            let episodeMoment = Int(try start(of: "tomato", in: audioId).rounded(.down))
            let walkMoment = Int(try start(of: "tomato", in: videoId).rounded(.down))
            #expect(results.text.contains("href=\"\(episode)?t=\(episodeMoment)\""), "\(results.text)")
            #expect(results.text.contains("href=\"\(walk)?t=\(walkMoment)\""))
            #expect(results.text.contains("<mark>tomato"))
            #expect(results.text.contains("Said at \(DateText.clock(episodeMoment))"))
            #expect(try await site.get("/search?q=aubergines").text.contains("Nothing was found"))

            // In Chromium: the captions track loads its cues; a search result's link starts the player at the cue.
            let script = Repository.root.appendingPathComponent("Tests/Browser/transcript_moments.py")
            let output = try await Fixtures.runOffPool("python3", [script.path, walk, site.base + "/search?q=tomatoes"])
            let report = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
            let captions = try #require(report["captions"] as? [String: Any])
            #expect(captions["found"] as? Bool == true && captions["readyState"] as? Int == 2 && captions["language"] as? String == "en")
            #expect((captions["cues"] as? [[Any]])?.count == stored[videoId]?.cues.count)
            let clicked = try #require(report["clicked"] as? String)
            let position = try #require(report["position"] as? [String: Any])
            let seconds = try #require(Double(clicked.components(separatedBy: "?t=").last ?? ""))
            let cueStart = try start(of: "tomato", in: clicked.hasPrefix(walk) ? videoId : audioId)
            let currentTime = try #require(position["currentTime"] as? Double)
            #expect(abs(currentTime - seconds) < 0.5 && cueStart - currentTime >= 0 && cueStart - currentTime < 1, "\(report)")
            #expect(report["consoleErrors"] as? [String] == [], "\(report)")

            // The owner corrects a word in the studio.
            let owner = try await OwnerSession.signIn(site)
            let editor = try await site.get("/studio/media/\(audioId)/transcript", headers: [owner.cookie])
            #expect(editor.status == .ok)
            let lines = editor.text.matches(of: /name="cue-(\d+)" value="([^"]*)"/).map { (Int(String($0.1))!, String($0.2)) }
            #expect(lines.count == stored[audioId]?.cues.count)
            let fields =
                [("csrf", owner.csrf), ("cues", String(lines.count))]
                + lines.map { ("cue-\($0.0)", $0.1.replacingOccurrences(of: "tomato", with: "courgette")) }
            let saved = try await OwnerSession.form(site, "/studio/media/\(audioId)/transcript", fields, owner: owner)
            #expect(saved.status == .seeOther || saved.status == .found, "\(saved.status) \(saved.text)")
            #expect(try await site.get("/search?q=courgette").text.contains("href=\"\(episode)?t="))
            #expect(try await site.get(episode).text.contains("courgette"))
            #expect(try await site.get("/studio/search?q=courgette", headers: [owner.cookie]).text.contains("\(episode)?t="))
            func linkedCaptions() async throws -> String {
                let item = try #require(try await site.get("/podcast.xml").text.components(separatedBy: "<item>").dropFirst().first)
                let url = try #require(Self.transcripts(in: item).first { $0["type"] == "text/vtt" }?["url"])
                return try await site.get(url).text
            }
            #expect(try await linkedCaptions().contains("courgette"))

            // Processing the recording again (and transcribing it again) keeps the correction.
            let processed = try await OwnerSession.form(site, "/studio/media/\(audioId)/reprocess", [("csrf", owner.csrf)], owner: owner)
            #expect(processed.status == .seeOther || processed.status == .found)
            try await Webmentions.eventually("the recording is processed again") {
                try await site.store.jobs(subject: .media(audioId)).filter { $0.kind == .audioEpisode && $0.state == .done }.count == 2
            }
            try await Self.waitForTranscripts(site, audioId, done: 2)
            let kept = try #require(try await site.store.transcripts(forMedia: [audioId])[audioId])
            #expect(kept.isEdited && kept.cues.contains { $0.text.contains("courgette") })
            #expect(try await linkedCaptions().contains("courgette"))
            #expect(try await site.get("/podcast.xml").text.contains("<enclosure"), "the episode stayed published throughout")

            // Asked for a new transcript, the owner gets the recogniser's words back.
            let again = try await OwnerSession.form(site, "/studio/media/\(audioId)/transcript/regenerate", [("csrf", owner.csrf)], owner: owner)
            #expect(again.status == .seeOther || again.status == .found)
            try await Self.waitForTranscripts(site, audioId, done: 3)
            let fresh = try #require(try await site.store.transcripts(forMedia: [audioId])[audioId])
            #expect(!fresh.isEdited && !fresh.cues.contains { $0.text.contains("courgette") })
            #expect(try await linkedCaptions().lowercased().contains("tomato"))
        }
    }

    @Test("with transcription off nothing is queued, nothing fails, and the feed links no transcript")
    func off() async throws {
        let folder = try Fixtures.folder()
        let recording = try await Self.speech(in: folder, name: "quiet")
        try await TestSite.run { site in
            let token = try await site.token("create media")
            let audio = try site.created(try await site.upload(recording, token: token))
            _ = try site.created(try await site.postForm([("h", "entry"), ("name", "Untranscribed"), ("audio", audio)], token: token))
            let id = try #require(URL(string: audio)?.deletingPathExtension().lastPathComponent)
            try await Webmentions.eventually("the episode is published") { try await site.get("/podcast.xml").text.contains("<enclosure") }
            let jobs = try await site.store.jobs(subject: .media(id))
            #expect(jobs.map(\.kind) == [.audioEpisode], "its processing, and nothing else")
            #expect(jobs.allSatisfy { $0.state == .done })
            #expect(!(try await site.get("/podcast.xml").text.contains("podcast:transcript")))
        }
    }
}
