import Foundation
import Glibc
import MediaModel
import TestSupport
import Testing

@testable import MediaKit

@Suite("Probing real files") @MediaThread
struct ProbeTests {
    let folder: URL

    init() throws { folder = try Fixtures.folder() }

    @Test("a 1 GiB file that starts like a WebVTT transcript is refused from its size, without being read")
    func hugeTranscript() throws {
        let file = try Fixtures.folder().appendingPathComponent("huge.vtt")
        try Data("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n".utf8).write(to: file)
        // Sparse: a gigabyte on paper, nothing on disk.
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 1 << 30)
        try handle.close()
        var before = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        #expect {
            try Prober.probe(path: file.path)
        } throws: { error in
            guard case MediaError.tooLarge(let why) = error else { return false }
            return why.contains("5 MB")
        }
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &after)
        #expect(after.ru_maxrss - before.ru_maxrss < 256 * 1024, "peak memory rose by \(after.ru_maxrss - before.ru_maxrss) KB")
    }

    @Test("a photo's EXIF date becomes its creation_time, with the offset when EXIF has one")
    func photoDate() async throws {
        let folder = try Fixtures.folder()
        let photo = try await Fixtures.png(in: folder, name: "dated.png")
        let jpeg = folder.appendingPathComponent("dated.jpg")
        try Fixtures.run("ffmpeg", ["-v", "error", "-y", "-i", photo.path, jpeg.path])
        try Fixtures.run("exiftool", ["-q", "-overwrite_original", "-DateTimeOriginal=2025:06:01 07:30:00", "-OffsetTimeOriginal=+02:00", jpeg.path])
        #expect(try Prober.probe(path: jpeg.path).tags["creation_time"] == "2025-06-01T07:30:00+02:00")
    }

    @Test("an MP3's duration agrees with ffprobe to the millisecond, with its tags")
    func mp3() async throws {
        let file = try await Fixtures.tone(in: folder, seconds: 2.5, title: "Episode one")
        let probe = try Prober.probe(path: file.path)
        let ffprobe = try Fixtures.run("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file.path])
        let expected = try #require(Double(String(decoding: ffprobe, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(probe.kind == .audio)
        #expect(probe.mimeType == "audio/mpeg")
        #expect(abs(try #require(probe.duration) - expected) < 0.0005)
        #expect(probe.tags["title"] == "Episode one")
        #expect(probe.streams.first?.sampleRate == 44100)
        #expect(probe.streams.first?.channels == 1)
    }

    @Test("an M4A is audio/mp4 even though its container is MP4")
    func m4a() async throws {
        let file = try await Fixtures.tone(in: folder, name: "voice.m4a", seconds: 1)
        let probe = try Prober.probe(path: file.path)
        #expect(probe.kind == .audio)
        #expect(probe.mimeType == "audio/mp4")
        #expect(probe.streams.first?.codec == "aac")
    }

    @Test("a phone video reports its size, frame rate and display rotation")
    func rotatedVideo() async throws {
        let file = try await Fixtures.rotatedVideo(in: folder)
        let probe = try Prober.probe(path: file.path)
        let video = try #require(probe.streams.first { $0.type == .video })
        #expect(probe.kind == .video)
        #expect(probe.mimeType == "video/mp4")
        #expect(video.codec == "h264")
        #expect(video.width == 320 && video.height == 240)
        #expect(video.frameRate == 25)
        #expect(abs(abs(try #require(video.rotation)) - 90) < 0.01)
        #expect(probe.streams.contains { $0.type == .audio })
    }

    @Test("a camera JPEG reports its orientation, GPS and size from the header")
    func cameraJPEG() async throws {
        let probe = try await Prober.probe(path: Fixtures.sidewaysJPEGWithGPS(in: folder).path)
        #expect(probe.kind == .photo)
        #expect(probe.format == "jpeg")
        #expect(probe.width == 640 && probe.height == 480)
        #expect(probe.orientation == 6)
        #expect(probe.hasGPS == true)
    }

    @Test("a PNG without location data says so")
    func png() async throws {
        let probe = try await Prober.probe(path: Fixtures.png(in: folder).path)
        #expect(probe.format == "png")
        #expect(probe.hasGPS == false)
        #expect(probe.mimeType == "image/png")
    }

    @Test("a text file named .jpg is refused as unsupported")
    func textAsJPEG() throws {
        let file = folder.appendingPathComponent("notes.jpg")
        try Data("just some words\n".utf8).write(to: file)
        #expect(throws: MediaError.unsupported("not an audio, video or photo format Microcast accepts")) {
            try Prober.probe(path: file.path)
        }
    }

    @Test("a stream coded with a decoder Microcast does not take (WMA in Matroska, FFV1 video) is refused at inspection")
    func codecNotTaken() throws {
        let wma = folder.appendingPathComponent("old.mka")
        _ = try Fixtures.run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=duration=2", "-c:a", "wmav2", "-y", wma.path])
        #expect(throws: MediaError.unsupported("the audio is coded as wmav2, which Microcast does not take")) {
            try Prober.probe(path: wma.path)
        }
        let ffv1 = folder.appendingPathComponent("archive.mkv")
        _ = try Fixtures.run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x64:duration=1", "-c:v", "ffv1", "-y", ffv1.path])
        #expect(throws: MediaError.unsupported("the video is coded as ffv1, which Microcast does not take")) {
            try Prober.probe(path: ffv1.path)
        }
    }

    @Test("an empty file is refused as unreadable")
    func empty() throws {
        let file = folder.appendingPathComponent("empty.mp3")
        try Data().write(to: file)
        #expect(throws: MediaError.unreadable("the file is empty")) { try Prober.probe(path: file.path) }
    }

    @Test("an HLS playlist is not opened, so it cannot point FFmpeg at other files")
    func playlist() async throws {
        let secret = try await Fixtures.tone(in: folder, name: "secret.mp3")
        let playlist = folder.appendingPathComponent("evil.mp3")
        try Data("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n\(secret.path)\n#EXT-X-ENDLIST\n".utf8).write(to: playlist)
        #expect(throws: MediaError.self) { try Prober.probe(path: playlist.path) }
    }
}

@Suite("Upload inspection") @MediaThread
struct InspectorTests {
    let folder: URL

    init() throws { folder = try Fixtures.folder() }

    @Test("a truncated JPEG is refused with a reason")
    func truncated() async throws {
        let whole = try await Data(contentsOf: Fixtures.sidewaysJPEGWithGPS(in: folder))
        let cut = folder.appendingPathComponent("cut.jpg")
        try whole.prefix(whole.count / 2).write(to: cut)
        #expect {
            try Inspector.inspect(path: cut.path, limits: MediaLimits(), budget: DecodeBudget())
        } throws: { error in
            guard case MediaError.unreadable(let why) = error else { return false }
            return why.contains("damaged or truncated")
        }
    }

    @Test("a 30000×30000 PNG of under a kilobyte is refused from its header")
    func decompressionBomb() async throws {
        let bomb = try await Fixtures.decompressionBomb(in: folder)
        #expect(try Data(contentsOf: bomb).count < 2048)
        #expect {
            try Inspector.inspect(path: bomb.path, limits: MediaLimits(), budget: DecodeBudget())
        } throws: { error in
            guard case MediaError.tooLarge(let why) = error else { return false }
            return why.contains("30000×30000") && why.contains("100 megapixels")
        }
    }

    @Test("every photo format we take passes inspection", arguments: ["png", "gif", "webp", "tiff"])
    func formats(_ fileExtension: String) throws {
        let file = folder.appendingPathComponent("picture.\(fileExtension)")
        try Fixtures.run(
            "ffmpeg",
            ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=96x64", "-frames:v", "1", "-pix_fmt", "rgb24", file.path]
        )
        let probe = try Inspector.inspect(path: file.path, limits: MediaLimits(), budget: DecodeBudget())
        #expect(probe.kind == .photo)
        #expect(probe.width == 96 && probe.height == 64)
    }

    @Test("a good photo passes with its probe")
    func good() async throws {
        let probe = try await Inspector.inspect(path: Fixtures.png(in: folder).path, limits: MediaLimits(), budget: DecodeBudget())
        #expect(probe.width == 320)
    }
}
