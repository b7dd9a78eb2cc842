import CVipsShim
import Foundation

/// Encodes an image to a preset's format, metadata stripped by the saver too.
enum Encode {
    static func run(_ image: VipsImageRef, as encoding: PhotoPreset.Encoding) throws(MediaError) -> Data {
        let quality = Int32(encoding.quality)
        switch encoding.format {
        case .jpeg:
            return try image.encode("cannot encode JPEG") { mc_vips_jpegsave_buffer(image.pointer, quality, 1, $0, $1) }
        case .webp:
            let encoded = try image.encode("cannot encode WebP") { mc_vips_webpsave_buffer(image.pointer, quality, $0, $1) }
            return try StripWebPChunks.run(encoded)
        }
    }
}
