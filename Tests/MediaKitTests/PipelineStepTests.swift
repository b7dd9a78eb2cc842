import Foundation
import MediaEngine
import MediaModel
import TestSupport
import Testing

@testable import MediaKit

/// Each step of the photo, audio and video pipelines on its own, on media
/// the suite makes; the whole pipelines are tested in their own suites.
@Suite("Pipeline steps") @MediaThread
struct PipelineStepTests {
    let folder: URL
    let presets: Presets

    init() throws {
        folder = try Fixtures.folder()
        presets = try Presets.load(from: Fixtures.presetsFolder)
    }

    // MARK: The pipeline itself

    @Test("steps run in order; a stop between steps is a retryable interruption naming the step not run")
    func pipelineOrder() throws {
        var ran: [String] = []
        let control = JobControl()
        let pipeline = Pipeline<[String]>([
            .init("first") { context, _ in context.append("first") },
            .init("second") { context, control in
                context.append("second")
                control.cancel()
            },
            .init("third") { context, _ in context.append("third") },
        ])
        #expect(pipeline.names == ["first", "second", "third"])
        #expect {
            try pipeline.run(&ran, control: control)
        } throws: { error in
            guard let error = error as? MediaError, case .interrupted(let why) = error else { return false }
            return error.isRetryable && why == "stopped before third"
        }
        #expect(ran == ["first", "second"])

        var none: [String] = []
        #expect(throws: MediaError.interrupted("ran past its time limit before first")) {
            try pipeline.run(&none, control: JobControl(deadline: .now - .seconds(1)))
        }
        #expect(MediaError.unreadable("x").isRetryable == false)
    }

    // MARK: Photo

    @Test("scale on load: shrunk to the width asked, turned upright by its EXIF orientation")
    func scaleOnLoad() async throws {
        let camera = try await Fixtures.sidewaysJPEGWithGPS(in: folder)  // 640 × 480 stored, orientation 6
        let image = try ScaleOnLoad.run(path: camera.path, width: 240)
        #expect(image.width == 240 && image.height == 320)
    }

    @Test("strip metadata: no EXIF, GPS, XMP, ICC or orientation field is left; a kept copyright is")
    func stripMetadata() async throws {
        let camera = try VipsImageRef.open(path: try await Fixtures.sidewaysJPEGWithGPS(in: folder).path)
        #expect(camera.fieldNames.contains { $0.hasPrefix("exif-ifd3-") })
        let stripped = try StripMetadata.run(camera, keepCopyright: false)
        let left = stripped.fieldNames.filter { $0.hasPrefix("exif-") || $0.hasPrefix("xmp-") || $0 == "icc-profile-data" || $0 == "orientation" }
        #expect(left.isEmpty, "left: \(left)")
        // The input is untouched: steps work on copies.
        #expect(camera.fieldNames.contains { $0.hasPrefix("exif-ifd3-") })
    }

    @Test("resize: a smaller width keeps the shape; the master's own width is the master")
    func resize() async throws {
        let master = try VipsImageRef.open(path: try await Fixtures.png(in: folder, size: "800x600").path)
        let half = try Resize.run(master, toWidth: 400).inMemory()
        #expect(half.width == 400 && half.height == 300)
        #expect(try Resize.run(master, toWidth: 800) === master)
    }

    @Test("encode: each format's bytes decode back at the size given, and WebP carries no EXIF chunk")
    func encode() async throws {
        let image = try VipsImageRef.thumbnail(path: try await Fixtures.sidewaysJPEGWithGPS(in: folder).path, width: 200, height: 10_000)
        for format in ImageFormat.allCases {
            let data = try Encode.run(image, as: .init(format: format, quality: 80, effort: 0), keepingCopyright: false)
            let file = folder.appendingPathComponent("encoded.\(format.fileExtension)")
            try data.write(to: file)
            #expect(FormatSniffer.sniff(data)?.mimeType == format.mimeType)
            let back = try VipsImageRef.open(path: file.path)
            #expect(back.width == 200 && back.height == 267)
            if format == .webp { #expect(data.range(of: Data("EXIF".utf8)) == nil) }
        }
    }

    @Test("placeholder: the average colour as #rrggbb")
    func placeholder() throws {
        let file = folder.appendingPathComponent("red.png")
        try Fixtures.run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=c=0xC03020:s=64x64", "-frames:v", "1", "-y", file.path])
        let colour = try #require(Placeholder.colour(of: try VipsImageRef.open(path: file.path)))
        #expect(colour.count == 7 && colour.hasPrefix("#"))
        // Within a step or two of 0xC03020 (the PNG passed through FFmpeg's YUV).
        let channels = stride(from: 1, to: 7, by: 2).map { Int(colour.dropFirst($0).prefix(2), radix: 16) ?? -99 }
        #expect(zip(channels, [0xC0, 0x30, 0x20]).allSatisfy { abs($0 - $1) <= 3 }, "\(colour)")
    }

    // MARK: Audio

    @Test("measure: a 1 kHz sine peaking at -38 dBFS measures about -41 LUFS, its true peak near -38 dBTP")
    func measure() throws {
        let file = folder.appendingPathComponent("tone.wav")
        try Fixtures.run("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=1000:duration=5", "-af", "volume=-20dB", "-y", file.path])
        // FFmpeg's sine peaks at 1/8 (-18.06 dBFS); 20 dB lower is -38.06. A sine's
        // loudness is its RMS (3 dB under its peak) plus K-weighting's +0.7 dB at 1 kHz.
        let loudness = try MeasureLoudness.run(try AudioDecoder(path: file.path))
        #expect(abs(loudness.integrated - -40.4) < 1, "\(loudness.integrated) LUFS")
        #expect(abs(loudness.truePeak - -38.06) < 0.5, "\(loudness.truePeak) dBTP")
    }

    @Test("chapters: clamped to the sound; one starting after it is dropped")
    func chapters() {
        let chapters = [
            MediaProbe.Chapter(start: 0, end: 60, title: "One"), MediaProbe.Chapter(start: 60, end: 200, title: "Two"),
            MediaProbe.Chapter(start: 160, end: 200, title: "After"),
        ]
        let clamped = ClampChapters.run(chapters, to: 153.6)
        #expect(clamped.map(\.title) == ["One", "Two"])
        #expect(clamped.last?.end == 153.6)
        #expect(ClampChapters.run(chapters, to: nil) == chapters)
    }

    @Test("gain and limit: the gain to the target, at most +24 dB, and a ceiling a decibel under the true-peak target")
    func gainAndLimit() {
        let preset = presets.audio
        let quiet = GainAndLimit.levels(measured: Loudness(integrated: -60, truePeak: -40), channels: 1, preset: preset)
        #expect(quiet.gain == 24)
        let loud = GainAndLimit.levels(measured: Loudness(integrated: -10, truePeak: 0), channels: 2, preset: preset)
        #expect(loud.gain == preset.loudness.stereoLufs + 10)
        #expect(abs(20 * log10(loud.ceiling) - (preset.loudness.truePeakDbtp - 1)) < 0.001)
        let filters = GainAndLimit.filters(gain: 3.5, ceiling: 0.7, sampleRate: 44100, sampleFormat: "fltp", channels: 1)
        #expect(
            filters
                == "aresample=44100,volume=3.50dB,alimiter=limit=0.7000:level=false:attack=5:release=50,aformat=sample_fmts=fltp:sample_rates=44100:channel_layouts=mono"
        )
    }

    @Test("encode and verify: one pass writes every output; a file holding less than the source promised is refused")
    func encodeAndVerify() async throws {
        let source = try await Fixtures.speech(in: folder, seconds: 8)
        let decoder = try AudioDecoder(path: source.path)
        let outputs = try GainAndLimit.outputs(
            preset: presets.audio,
            decoder: decoder,
            gain: 0,
            ceiling: 0.8,
            channels: 1,
            tags: AudioTags(title: "T"),
            chapters: [],
            cover: nil,
            folder: folder
        )
        var peaks = WaveformBuilder(duration: 8)
        try EncodeOutputs.run(decoder, outputs: outputs, gain: 0, waveform: &peaks, control: JobControl())
        let files = try VerifyOutputs.run(outputs, promised: nil, channels: 1)
        #expect(files.map(\.encoding.name) == presets.audio.encodings.map(\.name))
        #expect(files.allSatisfy { $0.byteCount > 0 && $0.duration > 6 })
        #expect(throws: MediaError.self) { try VerifyOutputs.run(outputs, promised: 60, channels: 1) }
    }

    @Test("waveform: min/max pairs per pixel, scaled to 8 bits")
    func waveform() {
        var builder = WaveformBuilder(duration: 1, pixels: 4)
        for index in 0..<8000 { builder.add(index % 2 == 0 ? 0.5 : -1) }
        let waveform = builder.finish()
        #expect(waveform.length == 4 && waveform.samplesPerPixel == 2000)
        #expect(waveform.data == [-127, 64, -127, 64, -127, 64, -127, 64])
    }

    // MARK: Video

    @Test("transcode: every planned size written from one decode, the poster chosen on the way, held to the length limit")
    func transcode() async throws {
        let clip = try await Fixtures.phoneVideo(in: folder, seconds: 2)
        let source = try VideoSource(path: clip.path, maxPixels: MediaLimits().maxPixels)
        let plan = VideoPlan(
            codedWidth: source.codedWidth,
            codedHeight: source.codedHeight,
            rotation: source.rotation,
            frameRate: source.frameRate,
            sizes: presets.video.sizes
        )
        let outputs = try plan.outputs.map { output in
            try VideoOutput(
                .init(
                    width: output.width,
                    height: output.height,
                    crf: 30,
                    encoderPreset: "ultrafast",
                    frameRate: output.frameRate,
                    filters: output.filters,
                    audioBitRate: 64000,
                    audioSampleRate: 44100
                ),
                temporaryFile: folder.appendingPathComponent("\(output.name).mp4"),
                source: source
            )
        }
        let picker = PosterPicker(duration: source.duration, settings: presets.video.poster)
        try Transcode.run(source, into: outputs, poster: picker, limits: MediaLimits(), control: JobControl())
        #expect(outputs.allSatisfy { $0.framesWritten > 0 })
        #expect(picker.poster != nil)
        let first = try #require(outputs.first)
        let measured = try WrittenFile(measuring: first.temporaryFile)
        #expect(abs((measured.duration ?? 0) - 2) < 0.3)

        let again = try VideoSource(path: clip.path, maxPixels: MediaLimits().maxPixels)
        let short = try VideoOutput(
            .init(
                width: 64,
                height: 112,
                crf: 30,
                encoderPreset: "ultrafast",
                frameRate: nil,
                filters: "scale=64:112,format=yuv420p",
                audioBitRate: 64000,
                audioSampleRate: 44100
            ),
            temporaryFile: folder.appendingPathComponent("short.mp4"),
            source: again
        )
        #expect(throws: MediaError.self) {
            try Transcode.run(again, into: [short], poster: picker, limits: MediaLimits(maxDurationSeconds: 1), control: JobControl())
        }
    }

    @Test("poster: a dark or fading frame is not usable; a settled, lit one is")
    func posterChoice() {
        let picker = PosterPicker(duration: 10, settings: presets.video.poster)
        let lit = PosterPicker.Luma(mean: 120, deviation: 40)
        #expect(!picker.isUsable(lit, after: nil))
        #expect(picker.isUsable(lit, after: PosterPicker.Luma(mean: 118, deviation: 40)))
        #expect(!picker.isUsable(PosterPicker.Luma(mean: 5, deviation: 2), after: PosterPicker.Luma(mean: 5, deviation: 2)))
        #expect(!picker.isUsable(lit, after: PosterPicker.Luma(mean: 40, deviation: 40)), "a fade")
    }

    @Test("encode poster: the frame in every photo format, the size of the frame, with its colour")
    func encodePoster() async throws {
        let clip = try await Fixtures.phoneVideo(in: folder, seconds: 1)
        let source = try VideoSource(path: clip.path, maxPixels: MediaLimits().maxPixels)
        var kept: RetainedFrame?
        try source.decodeAll(
            video: { frame, _ throws(MediaError) in if kept == nil { kept = try frame.retained() } },
            audio: { _ in }
        )
        let frame = try #require(kept)
        let made = try EncodePoster.run(frame, encodings: presets.photo.encodings)
        #expect(made.renditions.map(\.format) == presets.photo.encodings.map(\.format))
        #expect(made.renditions.allSatisfy { $0.width == frame.frame.width && $0.height == frame.frame.height })
        #expect(made.placeholder?.count == 7)
    }
}
