import Foundation
import MediaModel

/// Decides a file's format from its first bytes, never from its name or the
/// Content-Type a client claimed.
///
/// Containers that hold either audio or video (MP4, Matroska, Ogg) are named
/// here by their usual kind; the probe refines that once streams are known.
public enum FormatSniffer {
    /// How many leading bytes `sniff` wants to see.
    public static let headerLength = 64

    public static func sniff<Bytes: Collection<UInt8>>(_ header: Bytes) -> MediaFormat? {
        let b = Array(header.prefix(headerLength))
        func at(_ offset: Int, _ ascii: String) -> Bool {
            let expected = Array(ascii.utf8)
            guard b.count >= offset + expected.count else { return false }
            return Array(b[offset..<offset + expected.count]) == expected
        }
        func bytes(_ offset: Int, _ expected: [UInt8]) -> Bool {
            guard b.count >= offset + expected.count else { return false }
            return Array(b[offset..<offset + expected.count]) == expected
        }

        if bytes(0, [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes(0, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if at(0, "GIF87a") || at(0, "GIF89a") { return .gif }
        if at(0, "RIFF") && at(8, "WEBP") { return .webp }
        if at(0, "RIFF") && at(8, "WAVE") { return .wav }
        if bytes(0, [0x49, 0x49, 0x2A, 0x00]) || bytes(0, [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if at(0, "FORM") && (at(8, "AIFF") || at(8, "AIFC")) { return .aiff }
        if at(0, "fLaC") { return .flac }
        if at(0, "OggS") { return .ogg }
        if bytes(0, [0x1A, 0x45, 0xDF, 0xA3]) {
            return containsASCII(b, "webm") ? .webm : .mkv
        }
        if at(4, "ftyp") { return isoBaseMedia(b) }
        // An ID3 tag may front MP3 (or, rarely, other audio); the probe confirms.
        if at(0, "ID3") { return .mp3 }
        if let text = textFormat(b) { return text }
        if b.count >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0 {
            let layer = (b[1] >> 1) & 0x03
            if layer == 0 { return .aac }  // ADTS
            if layer == 1 { return .mp3 }  // MPEG audio layer III
        }
        return nil
    }

    /// Transcripts (WebVTT, SubRip) and Podcasting 2.0 chapters, told by
    /// their opening text; a byte-order mark is allowed.
    private static func textFormat(_ b: [UInt8]) -> MediaFormat? {
        let start = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let text = String(decoding: b[start...], as: UTF8.self)
        if text.hasPrefix("WEBVTT") { return .vtt }
        // SubRip: a cue number, then "00:00:01,000 --> ...".
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.count >= 2, Int(lines[0]) != nil, lines[1].range(of: #"^\d{2}:\d{2}:\d{2},\d{3} -->"#, options: .regularExpression) != nil {
            return .srt
        }
        let compact = text.filter { !$0.isWhitespace }
        if compact.hasPrefix("{\"version\"") || compact.hasPrefix("{\"chapters\"") { return .chapters }
        return nil
    }

    /// ISO base media files (MP4, MOV, M4A, HEIF, AVIF) share one box layout;
    /// the brands in the `ftyp` box tell them apart.
    private static func isoBaseMedia(_ b: [UInt8]) -> MediaFormat? {
        guard b.count >= 12 else { return nil }
        let boxSize = Int(b[0]) << 24 | Int(b[1]) << 16 | Int(b[2]) << 8 | Int(b[3])
        let end = min(b.count, max(16, boxSize))
        var brands: [String] = [String(decoding: b[8..<12], as: UTF8.self)]
        var offset = 16
        while offset + 4 <= end {
            brands.append(String(decoding: b[offset..<offset + 4], as: UTF8.self))
            offset += 4
        }
        let major = brands[0]
        if major == "avif" || major == "avis" { return .avif }
        if ["heic", "heix", "hevc", "hevx", "heim", "heis"].contains(major) { return .heic }
        if major == "mif1" || major == "msf1" {
            return brands.contains("avif") ? .avif : .heic
        }
        if major == "M4A " || major == "M4B " { return .m4a }
        if major == "qt  " { return .mov }
        return .mp4
    }

    private static func containsASCII(_ bytes: [UInt8], _ ascii: String) -> Bool {
        let needle = Array(ascii.utf8)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where Array(bytes[start..<start + needle.count]) == needle {
            return true
        }
        return false
    }
}
