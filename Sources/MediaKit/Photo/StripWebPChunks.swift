import Foundation
import MediaModel

/// Removes the EXIF, XMP and ICC chunks from an encoded WebP file.
///
/// libvips 8.14's WebP saver ignores `strip` and writes a fresh EXIF block
/// (orientation, resolution) even when every metadata field was removed from
/// the image, so the container is cleaned after encoding. Pure byte work on
/// the RIFF layout: `RIFF size WEBP`, then `fourcc size payload [pad]` chunks.
public enum StripWebPChunks {
    /// `keepingEXIF` leaves the EXIF chunk, which then holds only what was
    /// left on the image (a copyright notice); `keepingICC` the colour profile
    /// (an upload's public copy, whose pixels are not converted).
    public static func run(_ data: Data, keepingEXIF: Bool = false, keepingICC: Bool = false) throws(MediaError) -> Data {
        var dropped: Set<String> = ["XMP "]
        if !keepingEXIF { dropped.insert("EXIF") }
        if !keepingICC { dropped.insert("ICCP") }
        // VP8X flag bits announcing those chunks: ICC 0x20, EXIF 0x08, XMP 0x04.
        let droppedFlags: UInt8 = 0x04 | (keepingICC ? 0 : 0x20) | (keepingEXIF ? 0 : 0x08)
        let bytes = [UInt8](data)
        guard bytes.count >= 12, fourCC(bytes, 0) == "RIFF", fourCC(bytes, 8) == "WEBP" else {
            throw .unreadable("not a WebP file")
        }
        var output: [UInt8] = Array(bytes[0..<12])
        var offset = 12
        while offset + 8 <= bytes.count {
            let name = fourCC(bytes, offset)
            let size =
                Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16
                | Int(bytes[offset + 7]) << 24
            let end = offset + 8 + size + (size & 1)
            guard end <= bytes.count else { throw .unreadable("the WebP file ends inside a chunk") }
            if !dropped.contains(name) {
                var chunk = Array(bytes[offset..<end])
                if name == "VP8X" && chunk.count > 8 { chunk[8] &= ~droppedFlags }
                output.append(contentsOf: chunk)
            }
            offset = end
        }
        let riffSize = UInt32(output.count - 8)
        output[4] = UInt8(riffSize & 0xFF)
        output[5] = UInt8(riffSize >> 8 & 0xFF)
        output[6] = UInt8(riffSize >> 16 & 0xFF)
        output[7] = UInt8(riffSize >> 24 & 0xFF)
        return Data(output)
    }

    private static func fourCC(_ bytes: [UInt8], _ offset: Int) -> String {
        String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
    }
}
