import Foundation
import MediaModel

/// Checks an episode's companion text file: a WebVTT or SubRip transcript, or a
/// Podcasting 2.0 chapters file. Small, UTF-8, and shaped as it claims.
public enum TextProbe {
    static func probe(path: String, format: MediaFormat, maxBytes: Int) throws(MediaError) -> MediaProbe {
        // The size first: a 1 GB file that starts like a transcript is never read into memory.
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxBytes else { throw .tooLarge("a \(format.name) file is limited to \(maxBytes >> 20) MB") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable("cannot read the file")
        }
        return try probe(data: data, format: format, maxBytes: maxBytes)
    }

    /// The checks on the file's bytes (the fuzz harness calls this directly).
    public static func probe(data: Data, format: MediaFormat, maxBytes: Int) throws(MediaError) -> MediaProbe {
        guard data.count <= maxBytes else { throw .tooLarge("a \(format.name) file is limited to \(maxBytes >> 20) MB") }
        guard let text = String(data: data, encoding: .utf8) else { throw .unreadable("the \(format.name) file is not UTF-8 text") }
        var probe = MediaProbe(kind: .text, format: format.name, mimeType: format.mimeType)
        switch format {
        case .vtt, .srt:
            let cues = text.components(separatedBy: "-->").count - 1
            guard cues > 0 else { throw .unreadable("the transcript has no cues") }
            probe.tags["cues"] = String(cues)
        default:
            struct Chapters: Decodable {
                struct Chapter: Decodable {
                    var startTime: Double
                    var title: String?
                }
                var chapters: [Chapter]
            }
            guard let chapters = try? JSONDecoder().decode(Chapters.self, from: data), !chapters.chapters.isEmpty else {
                throw .unreadable("the chapters file needs a \"chapters\" list with startTime values")
            }
            probe.chapters = chapters.chapters.map { MediaProbe.Chapter(start: $0.startTime, end: $0.startTime, title: $0.title) }
        }
        return probe
    }
}
