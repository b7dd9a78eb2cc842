import Foundation
import MediaKit
import MediaModel
import Synchronization
import TestSupport
import Testing

@testable import MediaSandbox

/// The server trusts nothing a media child answers. A "child" here is a
/// shell that answers the line a subverted decoder might: files outside its
/// folder, a link to a secret, a size that is not the file's, a probe past
/// the limits, markup for a colour, garbage, or nothing at all.
@Suite("A lying media child")
struct LyingChildTests {
    /// A pool whose child answers every request with `answer`, or, when nil, exits at once.
    func pool(answering answer: ChildAnswer?) throws -> MediaChildPool {
        let folder = try Fixtures.folder()
        let script: String
        if let answer {
            let line = folder.appendingPathComponent("answer.json")
            try JSONEncoder().encode(answer).write(to: line)
            script = "while read request; do cat '\(line.path)'; echo; done"
        } else {
            script = "read request; exit 3"
        }
        var configuration = MediaChildPool.Configuration(executable: URL(fileURLWithPath: "/bin/sh"), size: 1)
        // The pool's own arguments follow, as $0, $1…, and are ignored.
        configuration.arguments = ["-c", script]
        return MediaChildPool(configuration)
    }

    /// The shipped photo preset: JPEG, AVIF and WebP.
    static let preset = try! Presets.load(from: Fixtures.presetsFolder).photo

    func still(_ file: URL, byteCount: Int64, format: ImageFormat = .jpeg) -> StillFile {
        StillFile(width: 640, height: 480, format: format, file: file, byteCount: byteCount)
    }

    func photo(
        _ pool: MediaChildPool,
        folder: URL,
        preset: PhotoPreset = Self.preset
    ) throws(MediaError) -> (
        stills: [StillFile], placeholder: String?
    ) {
        try pool.photoRenditions(from: "/dev/null", preset: preset, folder: folder, stem: "x", control: JobControl())
    }

    func refusal(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "accepted"
        } catch let error as MediaError {
            return error.description
        } catch {
            return "not a media error: \(error)"
        }
    }

    @Test("files it says it wrote are checked: in its folder, hidden, regular, of their size, of the formats asked for")
    func files() throws {
        let folder = try Fixtures.folder()
        let made = folder.appendingPathComponent(".x-640.tmp")
        try Data(count: 1000).write(to: made)
        let link = folder.appendingPathComponent(".x-link.tmp")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/etc/hostname")

        let outside = try pool(
            answering: ChildAnswer(made: .photo(stills: [still(URL(fileURLWithPath: "/etc/hostname"), byteCount: 10)], placeholder: nil))
        )
        #expect(refusal { _ = try photo(outside, folder: folder) }.contains("outside its folder"))
        let linked = try pool(answering: ChildAnswer(made: .photo(stills: [still(link, byteCount: 10)], placeholder: nil)))
        #expect(refusal { _ = try photo(linked, folder: folder) }.contains("not there"))
        let resized = try pool(answering: ChildAnswer(made: .photo(stills: [still(made, byteCount: 999)], placeholder: nil)))
        #expect(refusal { _ = try photo(resized, folder: folder) }.contains("another size"))
        var onlyJPEG = Self.preset
        onlyJPEG.encodings = onlyJPEG.encodings.filter { $0.format == .jpeg }
        let unasked = try pool(answering: ChildAnswer(made: .photo(stills: [still(made, byteCount: 1000, format: .webp)], placeholder: nil)))
        #expect(refusal { _ = try photo(unasked, folder: folder, preset: onlyJPEG) }.contains("impossible stills"))

        // The same file, told truly, is taken; a colour that is markup is dropped.
        let honest = try pool(answering: ChildAnswer(made: .photo(stills: [still(made, byteCount: 1000)], placeholder: "red;}</style>")))
        let taken = try photo(honest, folder: folder)
        #expect(taken.stills.map(\.file) == [made] && taken.placeholder == nil)
        let coloured = try pool(answering: ChildAnswer(made: .photo(stills: [still(made, byteCount: 1000)], placeholder: "#a0b1c2")))
        #expect(try photo(coloured, folder: folder).placeholder == "#a0b1c2")
    }

    @Test("a probe past the limits, an answer of the wrong work, garbage, and silence are refused")
    func answers() throws {
        var limits = MediaLimits()
        limits.maxPixels = 1_000_000
        let huge = MediaProbe(kind: .photo, format: "jpeg", mimeType: "image/jpeg", width: 5000, height: 5000)
        let lying = try pool(answering: ChildAnswer(made: .probe(huge)))
        #expect(refusal { _ = try lying.inspect(path: "/dev/null", limits: limits, seconds: 5) }.contains("pixel limit"))
        let wrongWork = try pool(answering: ChildAnswer(made: .avatar(byteCount: 1)))
        #expect(refusal { _ = try wrongWork.inspect(path: "/dev/null", limits: limits, seconds: 5) }.contains("other than a probe"))
        var garbage = MediaChildPool.Configuration(executable: URL(fileURLWithPath: "/bin/sh"), size: 1)
        garbage.arguments = ["-c", "while read request; do echo '{\"made\": 42}'; done"]
        #expect(refusal { _ = try MediaChildPool(garbage).inspect(path: "/dev/null", limits: limits, seconds: 5) }.contains("could not be read"))
        var endless = MediaChildPool.Configuration(executable: URL(fileURLWithPath: "/bin/sh"), size: 1)
        endless.arguments = ["-c", "read request; head -c 3000000 /dev/zero | tr '\\0' x"]
        #expect(refusal { _ = try MediaChildPool(endless).inspect(path: "/dev/null", limits: limits, seconds: 5) }.contains("more than"))
    }

    @Test("a child that dies fails an upload at once, and a job after the crash-loop limit, replaced each time")
    func deaths() throws {
        let starts = Counter()
        var events = MediaChildPool.Events()
        events.started = { starts.add() }
        var configuration = MediaChildPool.Configuration(executable: URL(fileURLWithPath: "/bin/sh"), size: 1)
        configuration.arguments = ["-c", "read request; exit 3"]
        let dying = MediaChildPool(configuration, events: events)
        #expect(
            refusal { _ = try dying.inspect(path: "/dev/null", limits: MediaLimits(), seconds: 5) } == "the file crashed the decoder (exit status 3)"
        )
        let before = starts.value
        let folder = try Fixtures.folder()
        #expect(refusal { _ = try photo(dying, folder: folder) }.contains("the file crashed the decoder 3 times (exit status 3)"))
        #expect(starts.value >= before + 3)
    }
}

/// Counts from any thread.
final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
