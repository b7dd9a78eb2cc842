import Foundation
import MediaEngine
import MediaModel

/// Photo probing through libvips: reads the header only, never the pixels.
enum ImageProbe {
    static func probe(path: String, format: MediaFormat) throws(MediaError) -> MediaProbe {
        let image = try VipsImageRef.open(path: path)
        let fields = image.fieldNames
        var probe = MediaProbe(
            kind: .photo,
            format: format.name,
            mimeType: format.mimeType,
            width: image.width,
            height: image.height,
            orientation: image.int("orientation"),
            hasGPS: hasGPS(image, fields: fields),
            colorProfile: image.blob("icc-profile-data").flatMap(ICCProfile.description),
            colorSpace: image.interpretation,
            pages: image.int("n-pages").flatMap { $0 > 1 ? $0 : nil }
        )
        if let taken = takenAt(image) { probe.tags["creation_time"] = taken }
        return probe
    }

    /// When the photo was taken, from EXIF, as ISO 8601 (`creation_time`, the
    /// name FFmpeg gives the same fact in videos). EXIF keeps local time with
    /// an optional offset; without one the time is taken as UTC.
    static func takenAt(_ image: VipsImageRef) -> String? {
        // libvips shows EXIF text as "2024:05:01 10:00:00 (2024:05:01 10:00:00, ASCII, 20 components, 20 bytes)".
        guard let raw = image.string("exif-ifd2-DateTimeOriginal") ?? image.string("exif-ifd0-DateTime") else { return nil }
        let value = Array(raw.prefix(19))
        guard value.count == 19, value[4] == ":", value[7] == ":", value[10] == " ", !raw.hasPrefix("0000") else { return nil }
        let date = String(value[0..<4]) + "-" + String(value[5..<7]) + "-" + String(value[8..<10])
        let offset = image.string("exif-ifd2-OffsetTimeOriginal").map { String($0.prefix(6)) }.flatMap { $0.count == 6 ? $0 : nil } ?? "Z"
        return date + "T" + String(value[11..<19]) + offset
    }

    /// libvips names EXIF GPS tags `exif-ifd3-*`; XMP may carry them too.
    static func hasGPS(_ image: VipsImageRef, fields: [String]) -> Bool {
        if fields.contains(where: { $0.hasPrefix("exif-ifd3-") }) { return true }
        if let xmp = image.blob("xmp-data"), xmp.range(of: Data("GPSLatitude".utf8)) != nil { return true }
        return false
    }
}

/// Reads the human-readable description from an ICC profile's `desc` tag.
enum ICCProfile {
    static func description(_ profile: Data) -> String? {
        let bytes = [UInt8](profile)
        func u32(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 4 <= bytes.count else { return nil }
            return Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
                | Int(bytes[offset + 3])
        }
        func ascii(_ offset: Int, _ count: Int) -> String? {
            guard offset >= 0, count >= 0, offset + count <= bytes.count else { return nil }
            return String(decoding: bytes[offset..<offset + count], as: UTF8.self)
        }
        guard let tagCount = u32(128), tagCount < 1000 else { return nil }
        for tag in 0..<tagCount {
            let entry = 132 + tag * 12
            guard ascii(entry, 4) == "desc", let offset = u32(entry + 4), let size = u32(entry + 8) else { continue }
            switch ascii(offset, 4) {
            case "desc":  // ICC v2: a counted ASCII string
                guard let count = u32(offset + 8), count > 0, count <= size,
                    let text = ascii(offset + 12, count - 1)
                else { return nil }
                return text
            case "mluc":  // ICC v4: UTF-16BE records; take the first
                guard let recordLength = u32(offset + 20), let recordOffset = u32(offset + 24),
                    offset + recordOffset + recordLength <= bytes.count
                else { return nil }
                let start = offset + recordOffset
                let units = stride(from: start, to: start + recordLength - 1, by: 2).map {
                    UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1])
                }
                return String(decoding: units, as: UTF16.self)
            default:
                return nil
            }
        }
        return nil
    }
}
