import MediaEngine
import MediaModel

/// Removes every metadata block from an image: EXIF (GPS first), XMP, IPTC,
/// the ICC profile (pixels are sRGB by now) and the orientation tag (pixels
/// are upright by now).
///
/// libvips 8.14 ignores `strip` when saving WebP, so fields are removed from the
/// image itself instead of trusting the saver.
enum StripMetadata {
    static let copyrightField = "exif-ifd0-Copyright"

    static func run(_ image: VipsImageRef, keepCopyright: Bool) throws(MediaError) -> VipsImageRef {
        // Fields are removed from a copy: the input may be shared by a pipeline.
        let copy = try image.copy()
        let fields = copy.fieldNames
        let gps = fields.filter { $0.hasPrefix("exif-ifd3-") }
        let others = fields.filter { field in
            guard !gps.contains(field) else { return false }
            if keepCopyright && field == copyrightField { return false }
            return field.hasPrefix("exif-") || field.hasPrefix("xmp-") || field.hasPrefix("iptc-")
                || field == "icc-profile-data" || field == "orientation"
        }
        for field in gps + others { copy.remove(field: field) }
        return copy
    }
}
