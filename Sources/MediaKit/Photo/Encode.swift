import Foundation
import MediaEngine
import MediaModel

/// Encodes an image to a preset's format. Metadata fields were removed from
/// the image already; the savers are told to strip too, except for the EXIF
/// block that carries a kept copyright notice.
enum Encode {
    static func run(_ image: VipsImageRef, as encoding: PhotoPreset.Encoding, keepingCopyright: Bool) throws(MediaError) -> Data {
        switch encoding.format {
        case .jpeg:
            return try image.flattenedOnWhite().jpeg(quality: encoding.quality, strip: !keepingCopyright)
        case .webp:
            return try StripWebPChunks.run(try image.webp(quality: encoding.quality), keepingEXIF: keepingCopyright)
        case .avif:
            // Metadata fields are gone from the image already; AVIF keeps no copyright notice.
            return try image.avif(quality: encoding.quality, effort: encoding.effort ?? 2)
        }
    }
}
