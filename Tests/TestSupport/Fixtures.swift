import Foundation
import Glibc

/// Real media for tests, made on the spot with the command-line tools
/// (ffmpeg, exiftool, python3) that `scripts/setup` installs. Nothing binary is committed.
public enum Fixtures {
    public struct CommandFailed: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Reads a pipe to its end, retrying reads a signal interrupted (Foundation's
    /// own `readDataToEndOfFile` traps on EINTR, which parallel tests that start
    /// many processes do meet).
    public static func readAll(_ handle: FileHandle) -> Data {
        var data = Data()
        while true {
            do {
                guard let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty else { return data }
                data.append(chunk)
            } catch let error as NSError where (error.userInfo[NSUnderlyingErrorKey] as? NSError)?.code == Int(EINTR) || error.code == Int(EINTR) {
                continue
            } catch {
                return data
            }
        }
    }

    /// The repository's `Presets/` folder (tests run from anywhere).
    public static let presetsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Presets", isDirectory: true)

    /// A new empty folder, removed by the caller when it wants.
    public static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("microcast-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `run`, waited for on a thread of its own. Tests whose tool talks to a
    /// server in this process must use it: a blocked wait on Swift's small
    /// cooperative pool can starve the very server the tool is waiting for.
    @discardableResult
    public static func runOffPool(_ tool: String, _ arguments: [String], stdin: Data? = nil) async throws -> Data {
        try await offPool { try run(tool, arguments, stdin: stdin) }
    }

    /// Runs blocking work (waiting for a process) on a new thread.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// Runs a tool and returns its standard output; throws with its standard error on failure.
    @discardableResult
    public static func run(_ tool: String, _ arguments: [String], stdin: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        // Standard error goes to a file, so only one pipe is read and neither can fill up.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("microcast-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errors = try FileHandle(forWritingTo: errorFile)
        defer { try? errors.close() }
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
        try? input.fileHandleForWriting.close()
        let data = readAll(output.fileHandleForReading)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let errorText = String(decoding: (try? Data(contentsOf: errorFile)) ?? Data(), as: UTF8.self)
            throw CommandFailed(description: "\(tool) \(arguments.joined(separator: " ")) failed: \(errorText)")
        }
        return data
    }

    /// A 640×480 camera-style JPEG stored sideways (EXIF orientation 6, so it
    /// displays 480×640) with GPS coordinates, a camera make and a serial number.
    public static func sidewaysJPEGWithGPS(in folder: URL, name: String = "camera.jpg") async throws -> URL {
        let file = folder.appendingPathComponent(name)
        try await runOffPool("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", file.path])
        try await runOffPool(
            "exiftool",
            [
                "-q", "-overwrite_original", "-Orientation#=6", "-GPSLatitude=51.5007", "-GPSLatitudeRef=N",
                "-GPSLongitude=0.1246", "-GPSLongitudeRef=W", "-Make=TestCam", "-SerialNumber=SN12345", file.path,
            ]
        )
        return file
    }

    /// A fast-start MP4 cut short: its first `fraction` only, as a dropped
    /// upload or a sync client's half-copied file leaves it.
    public static func truncatedMP4(in folder: URL, fraction: Double = 0.5) async throws -> URL {
        let whole = folder.appendingPathComponent("whole.mp4")
        _ = try await runOffPool(
            "ffmpeg",
            ["-v", "error", "-y", "-i", try await silentVideo(in: folder).path, "-c", "copy", "-movflags", "+faststart", whole.path]
        )
        let bytes = try Data(contentsOf: whole)
        let cut = folder.appendingPathComponent("cut.mp4")
        try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: cut)
        return cut
    }

    /// An image's pixel size, as libvips's `vipsheader` reads it (the test's
    /// own reader, not the server's).
    public static func imageSize(_ data: Data) async throws -> (width: Int, height: Int) {
        let file = try folder().appendingPathComponent("image")
        try data.write(to: file)
        // "FILE: 64x32 uchar, 3 bands, srgb, pngload"
        let line = String(decoding: try await runOffPool("vipsheader", [file.path]), as: UTF8.self)
        let size = line.split(separator: " ").dropFirst().first?.split(separator: "x").compactMap { Int($0) } ?? []
        guard size.count == 2 else { throw CommandFailed(description: "vipsheader said \(line)") }
        return (size[0], size[1])
    }

    public static func png(in folder: URL, name: String = "picture.png", size: String = "320x200") async throws -> URL {
        let file = folder.appendingPathComponent(name)
        try await runOffPool("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(size)", "-frames:v", "1", file.path])
        return file
    }

    public static func gif(in folder: URL, name: String = "anim.gif") async throws -> URL {
        let file = folder.appendingPathComponent(name)
        try await runOffPool("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=5", "-t", "1", file.path])
        return file
    }

    /// A sine tone with an ID3 title, in the format the extension names (mp3, m4a, wav, flac, ogg).
    public static func tone(in folder: URL, name: String = "tone.mp3", seconds: Double = 3, title: String = "Test tone") async throws -> URL {
        let file = folder.appendingPathComponent(name)
        try await runOffPool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)",
                "-metadata", "title=\(title)", "-metadata", "artist=Microcast tests", file.path,
            ]
        )
        return file
    }

    /// A real speech recording (espeak-ng), converted by ffmpeg to the format the
    /// extension names; `stereo` makes two channels with different levels.
    public static func speech(
        in folder: URL,
        name: String = "speech.wav",
        stereo: Bool = false,
        seconds: Int = 8,
        title: String? = nil
    ) async throws -> URL {
        let raw = folder.appendingPathComponent("raw-\(UUID().uuidString).wav")
        let sentence = "Welcome to the show. Today we talk about publishing audio on your own website, with feeds that every podcast app can read. "
        let words = String(repeating: sentence, count: max(1, seconds / 7))
        try await runOffPool("espeak-ng", ["-s", "160", "-w", raw.path, words])
        let file = folder.appendingPathComponent(name)
        var arguments = ["-v", "error", "-y", "-i", raw.path]
        if stereo { arguments += ["-af", "pan=stereo|c0=0.9*c0|c1=0.6*c0"] }
        if let title { arguments += ["-metadata", "title=\(title)"] }
        arguments += ["-ar", "44100", file.path]
        try await runOffPool("ffmpeg", arguments)
        try? FileManager.default.removeItem(at: raw)
        return file
    }

    /// Integrated loudness (LUFS) and true peak (dBTP) as the ffmpeg command line measures them.
    public static func loudness(of file: URL) async throws -> (integrated: Double, truePeak: Double) {
        try await offPool { try measureLoudness(of: file) }
    }

    static func measureLoudness(of file: URL) throws -> (integrated: Double, truePeak: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-hide_banner", "-nostats", "-i", file.path, "-af", "ebur128=peak=true", "-f", "null", "-"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: readAll(errors.fileHandleForReading), as: UTF8.self)
        process.waitUntilExit()
        // The summary ends the output: "I: -16.1 LUFS" ... "Peak: -2.0 dBFS".
        let summary = text.components(separatedBy: "Summary:").last ?? ""
        func value(after label: String) -> Double? {
            guard let range = summary.range(of: label) else { return nil }
            return Double(summary[range.upperBound...].trimmingCharacters(in: .whitespaces).prefix { "-0123456789.".contains($0) })
        }
        guard let integrated = value(after: "I:"), let peak = value(after: "Peak:") else {
            throw CommandFailed(description: "no loudness summary for \(file.path)")
        }
        return (integrated, peak)
    }

    /// A short H.264 MP4 whose display matrix says "rotate 90°", as phones write.
    public static func rotatedVideo(in folder: URL, name: String = "phone.mp4") async throws -> URL {
        let plain = folder.appendingPathComponent("plain-\(name)")
        let file = folder.appendingPathComponent(name)
        try await runOffPool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi",
                "-i", "sine=frequency=330", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
                plain.path,
            ]
        )
        // FFmpeg 5.1 writes the rotation tag as a display matrix only when copying streams.
        try await runOffPool("ffmpeg", ["-v", "error", "-y", "-i", plain.path, "-c", "copy", "-metadata:s:v:0", "rotate=90", file.path])
        return file
    }

    /// Speech in an M4A with two chapters, "Hello" (0–6 s) and "Goodbye" (6–12 s).
    public static func chapteredSpeech(in folder: URL, name: String = "chaptered.m4a") async throws -> URL {
        let speech = try await Fixtures.speech(in: folder, name: "plain-\(UUID().uuidString).wav", seconds: 14)
        let metadata = folder.appendingPathComponent("chapters-\(UUID().uuidString).txt")
        try Data(
            ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=6000\ntitle=Hello\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=6000\nEND=12000\ntitle=Goodbye\n"
                .utf8
        ).write(to: metadata)
        let file = folder.appendingPathComponent(name)
        try await runOffPool(
            "ffmpeg",
            ["-v", "error", "-y", "-i", speech.path, "-i", metadata.path, "-map_metadata", "1", "-map_chapters", "1", "-c:a", "aac", file.path]
        )
        return file
    }

    /// A phone's portrait video: 1920×1080 HEVC stored sideways in a MOV with
    /// a display matrix turning it upright (1080×1920), AAC sound, a location
    /// tag, and a picture that fades in from black over its first second.
    public static func phoneVideo(in folder: URL, name: String = "IMG_0001.mov", seconds: Double = 2, size: String = "1920x1080") async throws -> URL
    {
        let plain = folder.appendingPathComponent("plain-\(name)")
        let file = folder.appendingPathComponent(name)
        try await runOffPool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=30,fade=in:st=0:d=1",
                "-f", "lavfi", "-i", "sine=frequency=330", "-t", String(seconds),
                "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1",
                "-c:a", "aac", "-metadata", "location=+51.5007-000.1246/", plain.path,
            ]
        )
        try await runOffPool("ffmpeg", ["-v", "error", "-y", "-i", plain.path, "-c", "copy", "-metadata:s:v:0", "rotate=90", file.path])
        try? FileManager.default.removeItem(at: plain)
        return file
    }

    /// A VP9 + Opus WebM, 480×270.
    public static func webmVideo(in folder: URL, name: String = "clip.webm") async throws -> URL {
        let file = folder.appendingPathComponent(name)
        try await runOffPool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=480x270:rate=25", "-f", "lavfi",
                "-i", "sine=frequency=440", "-t", "1", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
                "-c:a", "libopus", file.path,
            ]
        )
        return file
    }

    /// An H.264 MP4 with no sound track, 640×360.
    public static func silentVideo(in folder: URL, name: String = "silent.mp4") async throws -> URL {
        let file = folder.appendingPathComponent(name)
        try await runOffPool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "1",
                "-c:v", "libx264", "-preset", "ultrafast", file.path,
            ]
        )
        return file
    }

    /// An HEIC photo, as iPhones take them (made by libvips and libheif).
    public static func heic(in folder: URL, name: String = "IMG_0002.heic") async throws -> URL {
        let jpeg = try await png(in: folder, name: "heic-source-\(UUID().uuidString).png", size: "1600x1200")
        let file = folder.appendingPathComponent(name)
        try await runOffPool("vips", ["copy", jpeg.path, "\(file.path)[Q=60]"])
        try? FileManager.default.removeItem(at: jpeg)
        return file
    }

    /// A 16-bit RGBA PNG with a transparent stripe.
    public static func deepPNG(in folder: URL, name: String = "deep.png") async throws -> URL {
        let file = folder.appendingPathComponent(name)
        try await runOffPool(
            "ffmpeg",
            [
                "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=800x600", "-vf",
                "format=rgba64be,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='if(lt(Y,100),0,65535)'", "-frames:v", "1", file.path,
            ]
        )
        return file
    }

    /// A real decompression bomb: a valid 30000×30000 one-bit PNG whose pixels
    /// (900 megapixels, 900 MB once decoded to bytes) compress to about 100 KB.
    public static func pngBomb(in folder: URL) async throws -> URL {
        let file = folder.appendingPathComponent("bomb-real.png")
        let script = """
            import struct, sys, zlib
            def chunk(kind, data):
                return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
            header = struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0)
            packer = zlib.compressobj(9)
            row = b"\\0" * 3751
            body = b"".join(packer.compress(row * 1000) for _ in range(30)) + packer.flush()
            sys.stdout.buffer.write(b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
            """
        try await runOffPool("python3", ["-c", script]).write(to: file)
        return file
    }

    /// The top-level boxes of an MP4 or MOV, in file order (`ftyp`, `moov`, `mdat`).
    public static func topLevelBoxes(of file: URL) throws -> [String] {
        let data = try Data(contentsOf: file)
        var boxes: [String] = []
        var offset = 0
        while offset + 8 <= data.count {
            var size = data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            if size == 1, offset + 16 <= data.count { size = data[offset + 8..<offset + 16].reduce(0) { $0 << 8 | Int($1) } }
            boxes.append(String(decoding: data[offset + 4..<offset + 8], as: UTF8.self))
            guard size >= 8 else { break }
            offset += size
        }
        return boxes
    }

    /// `ffprobe`'s JSON description of a file's format and streams.
    public static func ffprobe(_ file: URL) async throws -> [String: Any] {
        let data = try await runOffPool("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file.path])
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// A valid PNG header claiming 30000×30000 pixels (900 megapixels), under a kilobyte.
    public static func decompressionBomb(in folder: URL) async throws -> URL {
        let file = folder.appendingPathComponent("bomb.png")
        let script = """
            import struct, sys, zlib
            def chunk(kind, data):
                return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
            header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
            rows = zlib.compress(b"\\0" * 30001 * 8, 9)
            sys.stdout.buffer.write(b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
            """
        try await runOffPool("python3", ["-c", script]).write(to: file)
        return file
    }

    /// The file's metadata as exiftool reads it, group-qualified (`GPS:GPSLatitude`, `EXIF:Make`).
    public static func metadata(of file: URL) async throws -> [String: Any] {
        let data = try await runOffPool("exiftool", ["-j", "-G", "-a", file.path])
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        return list?.first ?? [:]
    }

    /// Tag groups that mean "metadata was kept": EXIF, GPS, XMP, IPTC, ICC, MakerNotes.
    public static func leakedMetadata(of file: URL) async throws -> [String] {
        try await metadata(of: file).keys.filter { key in
            ["EXIF:", "GPS:", "XMP:", "IPTC:", "ICC_Profile:", "MakerNotes:"].contains { key.hasPrefix($0) }
        }.sorted()
    }

    /// Reads a podcast feed as gPodder's `podcastparser` and as `feedparser` do,
    /// returning what each found: `{"podcastparser": {...}, "feedparser": {...}}`.
    public static func podcastClients(feed: Data, url: String) async throws -> [String: Any] {
        let script = """
            import io, json, sys, podcastparser, feedparser
            data = sys.stdin.buffer.read()
            pp = podcastparser.parse(sys.argv[1], io.BytesIO(data))
            fp = feedparser.parse(data)
            print(json.dumps({
              "podcastparser": {"title": pp.get("title"), "cover_url": pp.get("cover_url"), "episodes": [
                {"title": e["title"], "guid": e["guid"], "total_time": e["total_time"], "chapters_json_url": e.get("chapters_json_url"),
                 "enclosures": [{"url": x["url"], "file_size": x["file_size"], "mime_type": x["mime_type"]} for x in e["enclosures"]]}
                for e in pp["episodes"]]},
              "feedparser": {"bozo": bool(fp.bozo), "bozo_exception": str(fp.get("bozo_exception", "")),
                "title": fp.feed.get("title"), "image": fp.feed.get("image", {}).get("href"), "entries": [
                {"title": e.get("title"), "duration": e.get("itunes_duration"),
                 "enclosures": [{"href": x.get("href"), "length": x.get("length"), "type": x.get("type")} for x in e.get("enclosures", [])]}
                for e in fp.entries]}}))
            """
        let output = try await runOffPool("python3", ["-c", script, url], stdin: feed)
        return try JSONSerialization.jsonObject(with: output) as? [String: Any] ?? [:]
    }

    /// Tags that place a photo on a map, wherever exiftool finds them (the GPS IFD, XMP, composites).
    public static func locationTags(of file: URL) async throws -> [String] {
        try await metadata(of: file).keys.filter { $0.contains("GPS") }.sorted()
    }

    /// Elements whose `srcset`, `style`, `src` or `href` is present but empty, in
    /// HTML parsed as browsers parse it (html5lib), as `tag attribute`.
    public static func emptyAttributes(html: String) async throws -> [String] {
        let script = """
            import json, sys, html5lib
            tree = html5lib.parse(sys.stdin.read(), namespaceHTMLElements=False)
            print(json.dumps([f"{e.tag} {name}" for e in tree.iter() for name in ("srcset", "style", "src", "href")
                              if name in e.attrib and not e.attrib[name].strip()]))
            """
        let data = try await runOffPool("python3", ["-c", script], stdin: Data(html.utf8))
        return try JSONSerialization.jsonObject(with: data) as? [String] ?? []
    }

    /// The pictures a feed reader finds in each entry: for RSS, read with
    /// feedparser (the `<img>`s of `content:encoded` and the Media RSS
    /// `media:content`); for JSON Feed (which the released feedparser does not
    /// read) the `<img>`s of `content_html` and `image`. The HTML is parsed with html5lib.
    /// `[{"title", "images": [{"src", "alt", "width", "height"}], "media": [{"url", "medium", "type", "width", "height"}], "image"}]`
    public static func feedPictures(feed: Data, json: Bool) async throws -> [[String: Any]] {
        let script = """
            import json, sys, html5lib, feedparser
            def images(html):
                tree = html5lib.parse(html or "", namespaceHTMLElements=False)
                return [{k: img.get(k) for k in ("src", "alt", "width", "height")} for img in tree.iter("img")]
            data = sys.stdin.buffer.read()
            if sys.argv[1] == "json":
                entries = [{"title": i.get("title"), "images": images(i.get("content_html")), "media": [], "image": i.get("image")}
                           for i in json.loads(data)["items"]]
            else:
                parsed = feedparser.parse(data)
                entries = [{"title": e.get("title"), "images": images((e.get("content") or [{}])[0].get("value") or e.get("summary")),
                            "media": e.get("media_content", []), "image": None} for e in parsed.entries]
            print(json.dumps(entries))
            """
        let output = try await runOffPool("python3", ["-c", script, json ? "json" : "rss"], stdin: feed)
        return try JSONSerialization.jsonObject(with: output) as? [[String: Any]] ?? []
    }

    /// Parses microformats2 from HTML with mf2py, as IndieWeb readers do.
    public static func microformats(html: String, url: String) async throws -> [String: Any] {
        let script = "import json, sys, mf2py; print(json.dumps(mf2py.parse(doc=sys.stdin.read(), url=sys.argv[1])))"
        let data = try await runOffPool("python3", ["-c", script, url], stdin: Data(html.utf8))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}
