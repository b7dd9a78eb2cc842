import CVipsShim
import Foundation

/// Encodes an image to a preset's format. Metadata fields were removed from
/// the image already; the savers are told to strip too, except for the EXIF
/// block that carries a kept copyright notice.
enum Encode {
    static func run(_ image: VipsImageRef, as encoding: PhotoPreset.Encoding, keepingCopyright: Bool) throws(MediaError) -> Data {
        let quality = Int32(encoding.quality)
        let strip: Int32 = keepingCopyright ? 0 : 1
        switch encoding.format {
        case .jpeg:
            let opaque = try VipsImageRef.make("cannot flatten the image") { mc_vips_flatten_white(image.pointer, $0) }
            return try opaque.encode("cannot encode JPEG") { mc_vips_jpegsave_buffer(opaque.pointer, quality, 1, strip, $0, $1) }
        case .webp:
            let encoded = try image.encode("cannot encode WebP") { mc_vips_webpsave_buffer(image.pointer, quality, $0, $1) }
            return try StripWebPChunks.run(encoded, keepingEXIF: keepingCopyright)
        case .avif:
            // Metadata fields are gone from the image already; AVIF keeps no copyright notice.
            return try image.encode("cannot encode AVIF") {
                mc_vips_avifsave_buffer(image.pointer, quality, Int32(encoding.effort ?? 2), $0, $1)
            }
        }
    }
}
