import Foundation
import MediaEngine
import MediaModel

/// A photo made to fit a network's limit on bytes (Bluesky's image embed
/// takes at most 1,000,000): the rendition as it is if it fits, else
/// smaller, in steps, until it does.
public enum FitToBytes {
    public static func jpeg(path: String, maxBytes: Int) throws(MediaError) -> Data {
        // Decoded once and kept: each try encodes it again (a rendition, at most 2048 pixels wide).
        let image = try VipsImageRef.open(path: path).inMemory()
        var scale = 1.0
        for _ in 0..<8 {
            let candidate = scale < 1 ? try image.resized(by: scale) : image
            let data = try candidate.flattenedOnWhite().jpeg(quality: 82, strip: true)
            if data.count <= maxBytes { return data }
            // Bytes go roughly with the area: shrink by the square root of the excess, and a little more.
            scale *= max(0.5, min(0.9, (Double(maxBytes) / Double(data.count)).squareRoot() * 0.95))
        }
        throw MediaError.tooLarge("no size of this photo fits in \(maxBytes) bytes")
    }
}
