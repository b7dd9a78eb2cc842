import CVipsShim

/// Loads a photo already shrunk to fit `width` (JPEG and WebP decode at the
/// reduced size), upright per its EXIF orientation, and converted to sRGB.
enum ScaleOnLoad {
    /// Large enough that only the width constrains the result.
    static let unboundedHeight: Int32 = 10_000_000

    static func run(path: String, width: Int) throws(MediaError) -> VipsImageRef {
        try VipsImageRef.make("cannot decode the image") {
            mc_vips_thumbnail(path, Int32(width), unboundedHeight, "srgb", $0)
        }
    }
}
