import Foundation
import MediaModel
import TestSupport
import Testing

@testable import MediaKit

@Suite("Podcast audio") @MediaThread
struct PodcastAudioTests {
    let folder: URL
    let preset: AudioPreset

    init() throws {
        folder = try Fixtures.folder()
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        preset = try Presets.load(from: repository.appendingPathComponent("Presets")).audio
    }

    @Test("mono speech becomes a 64 kb/s CBR MP3 and an M4A at -19 LUFS, within 1 LU, peaks under -1.5 dBTP", arguments: ["wav", "ogg", "mp3"])
    func monoSpeech(_ format: String) async throws {
        let source = try await Fixtures.speech(in: folder, name: "talk.\(format)", seconds: 14)
        let result = try PodcastAudio.make(
            from: source.path,
            into: folder,
            preset: preset,
            tags: AudioTags(title: "Episode 1", artist: "Host", album: "The Show")
        )
        #expect(result.files.map(\.encoding.name) == ["mp3", "m4a"])
        // The waveform spans the recording: about 1800 min/max pairs, loud where the speech is.
        #expect(abs(result.waveform.length - 1800) <= 5)
        #expect(result.waveform.data.count == result.waveform.length * 2)
        #expect((result.waveform.data.max() ?? 0) > 40)
        let mp3 = try #require(result.files.first)
        #expect(mp3.channels == 1)
        #expect(mp3.bitRate == 64000)
        let sourceDuration = try #require(try Prober.probe(path: source.path).duration)
        #expect(abs(mp3.duration - sourceDuration) < 0.5)
        let measured = try await Fixtures.loudness(of: mp3.temporaryFile)
        #expect(abs(measured.integrated - preset.loudness.monoLufs) <= 1, "integrated \(measured.integrated) LUFS")
        #expect(measured.truePeak <= preset.loudness.truePeakDbtp, "true peak \(measured.truePeak) dBTP")
        let tags = try Prober.probe(path: mp3.temporaryFile.path).tags
        #expect(tags["title"] == "Episode 1" && tags["album"] == "The Show" && tags["artist"] == "Host")
        let m4a = try Prober.probe(path: result.files[1].temporaryFile.path)
        #expect(m4a.mimeType == "audio/mp4" && m4a.streams.first?.codec == "aac")
    }

    @Test("stereo speech is normalised to -16 LUFS at 128 kb/s")
    func stereoSpeech() async throws {
        let source = try await Fixtures.speech(in: folder, name: "duo.wav", stereo: true, seconds: 14)
        let result = try PodcastAudio.make(from: source.path, into: folder, preset: preset, tags: AudioTags())
        let mp3 = try #require(result.files.first)
        #expect(mp3.channels == 2 && mp3.bitRate == 128000)
        let measured = try await Fixtures.loudness(of: mp3.temporaryFile)
        #expect(abs(measured.integrated - preset.loudness.stereoLufs) <= 1, "integrated \(measured.integrated) LUFS")
        #expect(measured.truePeak <= preset.loudness.truePeakDbtp, "true peak \(measured.truePeak) dBTP")
    }

    @Test("chapters in the source become ID3 chapters in the MP3, and the cover is embedded")
    func chapters() async throws {
        let source = try await Fixtures.speech(in: folder, name: "plain.wav", seconds: 14)
        let metadata = folder.appendingPathComponent("chapters.txt")
        try Data(
            ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=5000\ntitle=Intro\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=5000\nEND=12000\ntitle=Main part\n"
                .utf8
        ).write(to: metadata)
        let withChapters = folder.appendingPathComponent("chaptered.m4a")
        try Fixtures.run(
            "ffmpeg",
            [
                "-v", "error", "-y", "-i", source.path, "-i", metadata.path, "-map_metadata", "1", "-map_chapters", "1", "-c:a", "aac",
                withChapters.path,
            ]
        )
        let cover = try ShowArtwork.titleCard("Cover")
        let result = try PodcastAudio.make(
            from: withChapters.path,
            into: folder,
            preset: preset,
            tags: AudioTags(title: "Chaptered"),
            cover: cover
        )
        #expect(result.chapters.map(\.title) == ["Intro", "Main part"])
        let mp3 = try Prober.probe(path: try #require(result.files.first).temporaryFile.path)
        #expect(mp3.chapters.map(\.title) == ["Intro", "Main part"])
        #expect(abs((mp3.chapters.last?.start ?? 0) - 5) < 0.01)
        // The show's artwork is the cover of both files; the audio is unchanged by it.
        #expect(mp3.hasCoverArt)
        #expect(mp3.streams.first { $0.type == .audio }?.bitRate == 64000)
        let m4a = try Prober.probe(path: result.files[1].temporaryFile.path)
        #expect(m4a.hasCoverArt)
        #expect(m4a.kind == .audio)
    }

    @Test("silence, a file with no audio, a recording over the limit and a truncated MP3 are refused with a reason")
    func refusals() async throws {
        let silent = folder.appendingPathComponent("silent.wav")
        try Fixtures.run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "3", silent.path])
        #expect(throws: MediaError.unreadable("the recording is silent")) {
            try PodcastAudio.make(from: silent.path, into: folder, preset: preset, tags: AudioTags())
        }
        let picture = try await Fixtures.png(in: folder)
        #expect(throws: MediaError.self) { try PodcastAudio.make(from: picture.path, into: folder, preset: preset, tags: AudioTags()) }
        var short = MediaLimits()
        short.maxDurationSeconds = 5
        let long = try await Fixtures.speech(in: folder, name: "long.wav", seconds: 14)
        #expect {
            try PodcastAudio.make(from: long.path, into: folder, preset: preset, tags: AudioTags(), limits: short)
        } throws: { error in
            if case MediaError.tooLarge = error { return true }
            return false
        }
        let whole = try await Data(contentsOf: Fixtures.speech(in: folder, name: "whole.mp3", seconds: 14))
        let cut = folder.appendingPathComponent("cut.mp3")
        try whole.prefix(whole.count / 2).write(to: cut)
        #expect {
            try PodcastAudio.make(from: cut.path, into: folder, preset: preset, tags: AudioTags())
        } throws: { error in
            guard case MediaError.unreadable(let why) = error else { return false }
            return why.hasPrefix("the file ends early")
        }
        // Nothing half-written is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test("an M4A whose chapter track outlasts its sound is an episode: chapters end with the sound, one after it is dropped")
    func chapterTrackLongerThanSound() async throws {
        let source = try await Fixtures.speech(in: folder, name: "short.wav", seconds: 6)
        let sound = try #require(try Prober.probe(path: source.path).duration)
        let metadata = folder.appendingPathComponent("long-chapters.txt")
        let end = Int(sound * 1000)
        try Data(
            (";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=3000\ntitle=Intro\n"
                + "[CHAPTER]\nTIMEBASE=1/1000\nSTART=3000\nEND=\(end + 6000)\ntitle=Main\n"
                + "[CHAPTER]\nTIMEBASE=1/1000\nSTART=\(end + 7000)\nEND=\(end + 9000)\ntitle=After the end\n").utf8
        ).write(to: metadata)
        let m4a = folder.appendingPathComponent("chapter-editor.m4a")
        try Fixtures.run(
            "ffmpeg",
            ["-v", "error", "-y", "-i", source.path, "-i", metadata.path, "-map_metadata", "1", "-map_chapters", "1", "-c:a", "aac", m4a.path]
        )
        // What the chapter editor made: the container lasts as long as the chapter track.
        let probe = try Prober.probe(path: m4a.path)
        #expect((probe.duration ?? 0) > sound + 5)
        #expect(abs((probe.audioDuration ?? 0) - sound) < 0.1)

        let result = try PodcastAudio.make(from: m4a.path, into: folder, preset: preset, tags: AudioTags(title: "Chaptered"))
        #expect(result.chapters.map(\.title) == ["Intro", "Main"])
        #expect(abs((result.chapters.last?.end ?? 0) - sound) < 0.1)
        let mp3 = try Prober.probe(path: try #require(result.files.first).temporaryFile.path)
        #expect(mp3.chapters.map(\.title) == ["Intro", "Main"])
        #expect((mp3.chapters.last?.end ?? .infinity) <= sound + 0.1)
        #expect(abs((mp3.duration ?? 0) - sound) < 0.5)
    }

    @Test("a video whose sound stops before its picture gives an episode as long as its sound")
    func videoWithShortSound() throws {
        let video = folder.appendingPathComponent("short-sound.mp4")
        try Fixtures.run(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=8",
                "-f", "lavfi", "-i", "sine=frequency=330:duration=4", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", video.path,
            ]
        )
        let probe = try Prober.probe(path: video.path)
        #expect(abs((probe.audioDuration ?? 0) - 4) < 0.2)
        #expect(abs((probe.duration ?? 0) - 8) < 0.2)
        let result = try PodcastAudio.make(from: video.path, into: folder, preset: preset, tags: AudioTags())
        #expect(abs((result.files.first?.duration ?? 0) - 4) < 0.3)
    }

    @Test("an MP3 whose Xing header promises more frames than it holds is refused as ending early")
    func xingHeaderLongerThanFrames() async throws {
        let whole = try await Fixtures.speech(in: folder, name: "xing.mp3", seconds: 10)
        let probe = try Prober.probe(path: whole.path)
        let data = try Data(contentsOf: whole)
        let cut = folder.appendingPathComponent("xing-cut.mp3")
        try data.prefix(data.count * 2 / 3).write(to: cut)
        // The header still promises the whole recording.
        let promised = try #require(try Prober.probe(path: cut.path).audioDuration)
        #expect(abs(promised - (probe.audioDuration ?? 0)) < 0.1)
        #expect {
            try PodcastAudio.make(from: cut.path, into: folder, preset: preset, tags: AudioTags())
        } throws: { error in
            guard case MediaError.unreadable(let why) = error else { return false }
            return why.hasPrefix("the file ends early")
        }
    }
    @Test("a recording whose container declares no duration is held to the duration limit by what decodes")
    func noDeclaredDuration() throws {
        // Matroska written to a pipe carries no duration at all.
        let flac = try Fixtures.run(
            "ffmpeg",
            ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=20", "-c:a", "flac", "-f", "matroska", "-"]
        )
        let file = folder.appendingPathComponent("no-duration.mka")
        try flac.write(to: file)
        #expect(try Prober.probe(path: file.path).audioDuration == nil)
        #expect {
            try PodcastAudio.make(from: file.path, into: folder, preset: preset, tags: AudioTags(), limits: MediaLimits(maxDurationSeconds: 10))
        } throws: { error in
            guard case MediaError.tooLarge(let why) = error else { return false }
            return why.contains("longer than")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }
}
