import Foundation
import MediaEngine
import MediaModel

/// Reads what a file is: its format from the bytes, then its streams or pixels
/// from FFmpeg or libvips. Blocking; call it from a worker thread.
public enum Prober {
    public static func probe(
        path: String,
        limits: MediaLimits = MediaLimits(),
        control: JobControl = .unlimited
    ) throws(MediaError) -> MediaProbe {
        guard let format = try sniff(path: path) else {
            throw .unsupported("not an audio, video or photo format Microcast accepts")
        }
        switch format.kind {
        case .photo: return try ImageProbe.probe(path: path, format: format)
        case .audio, .video: return try AVProbe.probe(path: path, sniffed: format, control: control)
        case .text: return try TextProbe.probe(path: path, format: format, maxBytes: limits.maxTextBytes)
        }
    }

    /// The format named by the file's first bytes, or nil if it is none we accept.
    public static func sniff(path: String) throws(MediaError) -> MediaFormat? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable("cannot open \(path)")
        }
        defer { try? handle.close() }
        let header: Data
        do {
            header = try handle.read(upToCount: FormatSniffer.headerLength) ?? Data()
        } catch {
            throw .unreadable("cannot read \(path): \(error.localizedDescription)")
        }
        guard !header.isEmpty else { throw .unreadable("the file is empty") }
        return FormatSniffer.sniff(header)
    }
}
