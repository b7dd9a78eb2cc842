import Foundation
import MediaModel
import TestSupport
import Testing

@testable import MediaKit

@Suite("Web video") @MediaThread
struct VideoTests {
    let folder: URL
    let preset: VideoPreset

    init() throws {
        folder = try Fixtures.folder()
        preset = try Presets.load(from: Fixtures.presetsFolder).video
    }

    func transcode(_ source: URL) throws -> WebVideoResult {
        let photo = try Presets.load(from: Fixtures.presetsFolder).photo
        return try WebVideo.make(from: source.path, into: folder, preset: preset, posterEncodings: photo.encodings)
    }

    func streams(_ file: URL) async throws -> [[String: Any]] {
        try await Fixtures.ffprobe(file)["streams"] as? [[String: Any]] ?? []
    }

    @Test("a video whose container declares no duration is held to the duration limit by what decodes")
    func noDeclaredDuration() throws {
        // Matroska written to a pipe carries no duration at all.
        let clip = try Fixtures.run(
            "ffmpeg",
            [
                "-v", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=20", "-c:v", "libx264", "-preset", "ultrafast",
                "-f", "matroska", "-",
            ]
        )
        let file = folder.appendingPathComponent("no-duration.mkv")
        try clip.write(to: file)
        #expect(try Prober.probe(path: file.path).duration == nil)
        let photo = try Presets.load(from: Fixtures.presetsFolder).photo
        #expect {
            try WebVideo.make(
                from: file.path,
                into: folder,
                preset: preset,
                posterEncodings: photo.encodings,
                limits: MediaLimits(maxDurationSeconds: 10)
            )
        } throws: { error in
            guard case MediaError.tooLarge(let why) = error else { return false }
            return why.contains("longer than")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mp4") || $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test("a portrait HEVC phone video becomes upright 1080p and 720p H.264/AAC MP4s, fast-start, without its location")
    func phoneVideo() async throws {
        let result = try transcode(try await Fixtures.phoneVideo(in: folder))
        #expect(result.files.map(\.name) == ["1080p", "720p"])
        #expect(result.files.map(\.width) == [1080, 720])
        #expect(result.files.map(\.height) == [1920, 1280])
        for file in result.files {
            let boxes = try Fixtures.topLevelBoxes(of: file.temporaryFile)
            let moov = try #require(boxes.firstIndex(of: "moov"))
            let mdat = try #require(boxes.firstIndex(of: "mdat"))
            #expect(moov < mdat, "moov must come first for fast start: \(boxes)")
            let described = try await streams(file.temporaryFile)
            let video = try #require(described.first { $0["codec_type"] as? String == "video" })
            #expect(video["codec_name"] as? String == "h264")
            #expect(video["pix_fmt"] as? String == "yuv420p")
            #expect(video["width"] as? Int == file.width && video["height"] as? Int == file.height)
            // Upright as stored: no display matrix left for players to apply twice.
            #expect((video["side_data_list"] as? [[String: Any]] ?? []).allSatisfy { $0["rotation"] == nil })
            #expect(described.first { $0["codec_type"] as? String == "audio" }?["codec_name"] as? String == "aac")
            let format = try await Fixtures.ffprobe(file.temporaryFile)["format"] as? [String: Any] ?? [:]
            let tags = format["tags"] as? [String: String] ?? [:]
            #expect(!tags.keys.contains { $0.lowercased().contains("location") }, "location kept: \(tags)")
            #expect(abs(file.duration - 2) < 0.15)
            let size = try FileManager.default.attributesOfItem(atPath: file.temporaryFile.path)[.size] as? Int
            #expect(Int64(size ?? -1) == file.byteCount)
        }
        #expect(result.poster.map(\.format) == (try Presets.load(from: Fixtures.presetsFolder).photo.encodings.map(\.format)))
        let poster = folder.appendingPathComponent("poster.jpg")
        try #require(result.poster.first).data.write(to: poster)
        #expect(try Prober.probe(path: poster.path).width == 1080)
        // The clip fades in from black over its first second: a poster from
        // the fade would be dark; the chosen one is a real picture.
        let brightness = try #require(
            Double(
                String(decoding: try Fixtures.run("vips", ["avg", poster.path]), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            )
        )
        #expect(brightness > 60, "poster brightness \(brightness)")
        #expect(result.placeholder?.count == 7)
    }

    @Test("a VP9 WebM smaller than every preset keeps its size; a video without sound gets no sound track")
    func webmAndSilent() async throws {
        let webm = try transcode(try await Fixtures.webmVideo(in: folder))
        #expect(webm.files.map(\.width) == [480])
        #expect(webm.files.map(\.height) == [270])
        let webmStreams = try await streams(try #require(webm.files.first).temporaryFile)
        #expect(webmStreams.compactMap { $0["codec_name"] as? String }.sorted() == ["aac", "h264"])

        let silent = try transcode(try await Fixtures.silentVideo(in: folder))
        #expect(silent.files.map(\.width) == [640])
        let silentStreams = try await streams(try #require(silent.files.first).temporaryFile)
        #expect(silentStreams.compactMap { $0["codec_type"] as? String } == ["video"])
        #expect(abs(try #require(silent.files.first).duration - 1) < 0.1)
    }

    @Test("the plan turns, fits, never upscales, drops duplicate sizes and caps the frame rate")
    func plan() {
        let sizes = preset.sizes
        let phone = VideoPlan(codedWidth: 1920, codedHeight: 1080, rotation: -90, frameRate: 30, sizes: sizes)
        #expect(phone.displayWidth == 1080 && phone.displayHeight == 1920)
        #expect(phone.outputs.map { [$0.width, $0.height] } == [[1080, 1920], [720, 1280]])
        #expect(phone.outputs[0].filters.contains("transpose=clock"))

        let upsideDown = VideoPlan(codedWidth: 640, codedHeight: 480, rotation: 180, frameRate: 25, sizes: sizes)
        #expect(upsideDown.outputs.map(\.filters) == ["hflip,vflip,scale=640:480:flags=bicubic,setsar=1,format=yuv420p"])

        let fast4K = VideoPlan(codedWidth: 3840, codedHeight: 2160, rotation: nil, frameRate: 120, sizes: sizes)
        #expect(fast4K.outputs.map { [$0.width, $0.height] } == [[1920, 1080], [1280, 720]])
        #expect(fast4K.outputs.map(\.frameRate) == [60, 30])

        let odd = VideoPlan(codedWidth: 1001, codedHeight: 563, rotation: nil, frameRate: 24, sizes: sizes)
        #expect(odd.outputs.map { [$0.width, $0.height] } == [[1002, 564]])
        #expect(odd.outputs.map(\.name) == ["564p"], "named by its size, not by the preset that made it")
        #expect(odd.outputs[0].frameRate == nil)

        let anamorphic = VideoPlan(codedWidth: 720, codedHeight: 576, pixelAspect: 16.0 / 11.0, rotation: nil, frameRate: 25, sizes: sizes)
        #expect(anamorphic.displayWidth == 1047)
    }

    @Test("truncated and moov-less videos, a PNG bomb, a huge-header image and an SVG are refused with reasons")
    func refused() async throws {
        let limits = MediaLimits()
        func reason(_ file: URL) -> MediaError? {
            do {
                _ = try Inspector.inspect(path: file.path, limits: limits, budget: DecodeBudget())
                return nil
            } catch { return error }
        }
        let cut = try await Fixtures.truncatedMP4(in: folder, fraction: 0.6)
        guard case .unreadable(let why)? = reason(cut) else {
            Issue.record("truncated MP4 accepted")
            return
        }
        #expect(why.contains("truncated"))

        let mov = try await Fixtures.phoneVideo(in: folder, name: "nomoov.mov", seconds: 1)
        let movBytes = try Data(contentsOf: mov)
        let headless = folder.appendingPathComponent("headless.mov")
        // FFmpeg writes the moov last: cutting the tail leaves media with no index.
        try movBytes.prefix(movBytes.count * 8 / 10).write(to: headless)
        guard case .unreadable(let noMoov)? = reason(headless) else {
            Issue.record("moov-less MOV accepted")
            return
        }
        #expect(!noMoov.isEmpty)

        guard case .tooLarge(let bomb)? = reason(try await Fixtures.pngBomb(in: folder)) else {
            Issue.record("PNG bomb accepted")
            return
        }
        #expect(bomb.contains("30000×30000"))
        guard case .tooLarge? = reason(try await Fixtures.decompressionBomb(in: folder)) else {
            Issue.record("huge header accepted")
            return
        }

        let svg = folder.appendingPathComponent("drawing.svg")
        try Data(#"<svg xmlns="http://www.w3.org/2000/svg"><image href="http://169.254.169.254/x.png"/></svg>"#.utf8).write(to: svg)
        guard case .unsupported? = reason(svg) else {
            Issue.record("SVG accepted")
            return
        }

        // A playlist naming a local file and a URL is not media, and FFmpeg is never asked to follow it.
        let playlist = folder.appendingPathComponent("episode.m3u8")
        try Data(
            "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXTINF:10,\nhttp://169.254.169.254/latest\n#EXT-X-ENDLIST\n".utf8
        ).write(to: playlist)
        guard case .unsupported? = reason(playlist) else {
            Issue.record("playlist accepted")
            return
        }
    }
}
