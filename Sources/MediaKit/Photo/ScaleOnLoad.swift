import MediaEngine
import MediaModel

/// Loads a photo already shrunk to its largest rendition's width (JPEG and
/// WebP decode at the reduced size), upright per its EXIF orientation, and
/// converted to sRGB.
enum ScaleOnLoad {
    /// Large enough that only the width constrains the result.
    static let unboundedHeight = 10_000_000

    static func run(path: String, width: Int) throws(MediaError) -> VipsImageRef {
        try VipsImageRef.thumbnail(path: path, width: width, height: unboundedHeight)
    }
}
