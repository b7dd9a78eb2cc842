import Foundation
import MediaEngine
import MediaModel

/// Makes the copy of an upload that its public URL serves: the same picture
/// or recording without the place it was made. The untouched upload stays
/// private in the library; pages and feeds show renditions, which carry no
/// metadata at all.
///
/// Audio and video are copied stream by stream into the same container
/// (`StreamCopy`): a phone's `.mov` keeps its picture, sound and rotation and
/// loses its `location`, make and model tags.
///
/// JPEG, PNG and WebP lose their metadata blocks without being re-encoded
/// (the compressed pixels are copied byte for byte); a JPEG keeps its EXIF
/// orientation, so it still shows upright. HEIC, AVIF and TIFF keep EXIF in
/// places no lossless rewrite here reaches, so they are decoded and encoded
/// again in their own format, upright and in sRGB. A GIF has no EXIF block and
/// is served as uploaded.
public enum RemoveLocation {
    /// How the public copy was made.
    public enum Method: String, Codable, Sendable {
        /// Metadata segments or chunks dropped; pixels untouched.
        case lossless
        /// Decoded and encoded again without metadata.
        case reencoded
        /// Sound and picture copied into a new file; tags, chapters, cover pictures and data tracks left behind.
        case remuxed
        /// Nothing to remove.
        case unchanged
    }

    /// Writes the location-free copy of `path` to `destination` (a temporary
    /// name the caller renames into place). Blocking.
    public static func copy(
        from path: String,
        format: MediaFormat,
        to destination: URL,
        control: JobControl = .unlimited
    ) throws(MediaError) -> Method {
        let method: Method
        let data: Data
        do {
            switch format {
            case .jpeg:
                data = Data(try JPEGMetadata.removingLocation(from: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))))
                method = .lossless
            case .png:
                data = Data(try PNGMetadata.removingLocation(from: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))))
                method = .lossless
            case .webp:
                data = try StripWebPChunks.run(try Data(contentsOf: URL(fileURLWithPath: path)), keepingICC: true)
                method = .lossless
            case .heic, .avif, .tiff:
                data = try reencode(path: path, format: format, control: control)
                method = .reencoded
            case _ where format.kind == .audio || format.kind == .video:
                try remux(path: path, format: format, to: destination, control: control)
                return .remuxed
            default:
                data = try Data(contentsOf: URL(fileURLWithPath: path))
                method = .unchanged
            }
            try data.write(to: destination)
        } catch let error as MediaError {
            throw error
        } catch {
            throw .engine("cannot write the public copy: \(error.localizedDescription)")
        }
        return method
    }

    /// Container tags that say how a file was written, never where or by whom.
    static let technicalTags: Set<String> = ["major_brand", "minor_version", "compatible_brands", "encoder"]

    /// Whether an upload's public URL needs a copy made without metadata, or
    /// may serve the original itself: photos always get one; a recording
    /// only when it carries something beyond how it was written (tags such as
    /// a phone's `location`, `make` or `creation_time`, a cover picture, a
    /// data track). A recording with nothing to remove is not written twice.
    public static func isNeeded(for probe: MediaProbe) -> Bool {
        switch probe.kind {
        case .photo: true
        case .text: false
        case .audio, .video:
            probe.hasCoverArt || probe.tags.keys.contains { !technicalTags.contains($0) }
                || probe.streams.contains { $0.type != .audio && $0.type != .video }
        }
    }

    /// The muxers that write `format`'s container, best first: an M4A or MP4
    /// holding a codec the stricter MP4 muxer refuses is still a valid MOV.
    static func muxers(for format: MediaFormat) -> [String] {
        switch format.fileExtension {
        case "mov": ["mov"]
        case "mp4": ["mp4", "mov"]
        case "m4a": ["ipod", "mp4", "mov"]
        case "webm": ["webm", "matroska"]
        case "mkv": ["matroska"]
        case "mp3": ["mp3"]
        case "aac": ["adts"]
        case "ogg", "ogv": ["ogg"]
        case "aiff": ["aiff"]
        default: [format.name]
        }
    }

    static func remux(path: String, format: MediaFormat, to destination: URL, control: JobControl) throws(MediaError) {
        var failure = MediaError.engine("no muxer for \(format.name)")
        for muxer in muxers(for: format) {
            do throws(MediaError) {
                try StreamCopy.withoutMetadata(from: path, to: destination, container: muxer, control: control)
                return
            } catch {
                guard case .engine(let message) = error else { throw error }
                failure = .engine("cannot copy the \(format.name) without its metadata: \(message)")
            }
        }
        throw failure
    }

    /// Upright, sRGB, every metadata field removed, same format.
    static func reencode(path: String, format: MediaFormat, control: JobControl) throws(MediaError) -> Data {
        let header = try VipsImageRef.open(path: path)
        // The thumbnail operation at full size: orientation applied, colour converted, no scaling.
        let side = max(header.width, header.height)
        let upright = try VipsImageRef.thumbnail(path: path, width: side, height: side).stopping(with: control)
        let clean = try StripMetadata.run(upright, keepCopyright: false)
        switch format {
        case .tiff: return try clean.tiff()
        case .avif: return try clean.heif(quality: 80, av1: true)
        default: return try clean.heif(quality: 80, av1: false)
        }
    }
}

/// A JPEG's marker segments, rewritten without the ones that can hold a
/// location or other personal data. Pure byte work.
enum JPEGMetadata {
    /// Drops EXIF (replaced by one holding only the orientation), XMP, IPTC
    /// (APP13), comments, and every other application segment except JFIF
    /// (APP0), ICC profiles (APP2) and Adobe's colour transform (APP14), which
    /// decoding needs. Everything after the first image's end (the extra
    /// pictures of a multi-picture file, each with EXIF of its own) is dropped.
    static func removingLocation(from bytes: [UInt8]) throws(MediaError) -> [UInt8] {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { throw .unreadable("not a JPEG") }
        var output: [UInt8] = [0xFF, 0xD8]
        output.reserveCapacity(bytes.count)
        var offset = 2
        while offset < bytes.count {
            guard bytes[offset] == 0xFF else { throw .unreadable("the JPEG's segments are damaged") }
            var markerAt = offset + 1
            while markerAt < bytes.count && bytes[markerAt] == 0xFF { markerAt += 1 }  // fill bytes
            guard markerAt < bytes.count else { break }
            let marker = bytes[markerAt]
            if marker == 0xD9 {
                output += [0xFF, 0xD9]
                return output
            }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 {
                output += [0xFF, marker]
                offset = markerAt + 1
                continue
            }
            guard markerAt + 2 < bytes.count else { throw .unreadable("the JPEG ends inside a segment header") }
            let length = Int(bytes[markerAt + 1]) << 8 | Int(bytes[markerAt + 2])
            let end = markerAt + 1 + length
            guard length >= 2, end <= bytes.count else { throw .unreadable("the JPEG ends inside a segment") }
            let payload = bytes[(markerAt + 3)..<end]
            switch marker {
            case 0xE1:
                if payload.starts(with: exifSignature), let orientation = orientation(inTIFF: Array(payload.dropFirst(6))), orientation != 1 {
                    output += segment(0xE1, exifSignature + TIFFOrientation.bytes(orientation))
                }
            case 0xE2 where payload.starts(with: Array("ICC_PROFILE\0".utf8)):
                output += bytes[offset..<end]
            case 0xE0, 0xEE:
                output += bytes[offset..<end]
            case 0xE2...0xED, 0xEF, 0xFE:
                break
            case 0xDA:
                // Start of scan: copy the header, then the entropy-coded data up to
                // the next marker (0xFF followed by neither a stuffed 0 nor a restart).
                output += bytes[offset..<end]
                var scan = end
                while scan + 1 < bytes.count {
                    if bytes[scan] == 0xFF, bytes[scan + 1] != 0x00, !(0xD0...0xD7).contains(bytes[scan + 1]), bytes[scan + 1] != 0xFF {
                        break
                    }
                    scan += 1
                }
                guard scan + 1 < bytes.count else { throw .unreadable("the JPEG has no end") }
                output += bytes[end..<scan]
                offset = scan
                continue
            default:
                output += bytes[offset..<end]
            }
            offset = end
        }
        throw .unreadable("the JPEG has no end")
    }

    static let exifSignature = Array("Exif\0\0".utf8)

    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// The orientation tag (0x0112) of IFD0 in a TIFF structure, as EXIF holds it.
    static func orientation(inTIFF tiff: [UInt8]) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let little = tiff[0] == 0x49
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let high = u16(little ? at + 2 : at), let low = u16(little ? at : at + 2) else { return nil }
            return high << 16 | low
        }
        guard let ifd = u32(4), let count = u16(ifd), count < 1000 else { return nil }
        for index in 0..<count {
            let entry = ifd + 2 + index * 12
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112, let value = u16(entry + 8), (1...8).contains(value) { return value }
        }
        return nil
    }
}

/// The smallest EXIF body that says how a picture is turned: a big-endian
/// TIFF header and one IFD holding only the orientation.
enum TIFFOrientation {
    static func bytes(_ orientation: Int) -> [UInt8] {
        // "MM", 42, IFD at 8; one entry: tag 0x0112, SHORT, count 1, value; no next IFD.
        [
            0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
            0x00, UInt8(orientation), 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
    }
}

/// A PNG's chunks, rewritten without EXIF (`eXIf`, replaced by one holding
/// only the orientation), text (`tEXt`, `zTXt`, `iTXt`, where XMP lives) and
/// the modification time. Pure byte work.
enum PNGMetadata {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let dropped: Set<String> = ["eXIf", "tEXt", "zTXt", "iTXt", "tIME"]

    static func removingLocation(from bytes: [UInt8]) throws(MediaError) -> [UInt8] {
        guard bytes.starts(with: signature) else { throw .unreadable("not a PNG") }
        var output = signature
        output.reserveCapacity(bytes.count)
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let end = offset + 12 + length
            guard length >= 0, end <= bytes.count else { throw .unreadable("the PNG ends inside a chunk") }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            if type == "eXIf" {
                if let orientation = JPEGMetadata.orientation(inTIFF: Array(bytes[(offset + 8)..<(end - 4)])), orientation != 1 {
                    output += chunk("eXIf", TIFFOrientation.bytes(orientation))
                }
            } else if !dropped.contains(type) {
                output += bytes[offset..<end]
            }
            if type == "IEND" { return output }
            offset = end
        }
        throw .unreadable("the PNG has no end")
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        let count = UInt32(data.count)
        let crc = CRC32.checksum(typeBytes + data)
        return [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)] + typeBytes + data
            + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }
}

/// The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
