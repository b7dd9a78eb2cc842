import CVips
import Foundation

/// One encoded rendition, still in memory; the caller decides where it lives.
public struct EncodedRendition: Sendable {
    public var width: Int
    public var height: Int
    public var format: PhotoPreset.Format
    public var data: Data
}

/// Every rendition of one photo, and its placeholder colour.
public struct PhotoSet: Sendable {
    public var renditions: [EncodedRendition]
    /// The average colour, `#rrggbb`, taken from the smallest rendition.
    public var placeholder: String?
}

/// Makes every rendition a photo preset asks for.
///
/// The pipeline per width is: scale on load → strip metadata → encode, each a
/// step of its own. The decoded pixels of one width are kept in memory while
/// each encoding is written, so a photo is decoded once per width, not once per
/// file. Blocking; run it on a worker thread.
public enum PhotoRenditions {
    public static func make(from path: String, preset: PhotoPreset, isCancelled: () -> Bool = { false })
        throws(MediaError) -> PhotoSet
    {
        try Vips.start()
        let header = try VipsImageRef.open(path: path)
        let swapsSides = (header.int("orientation") ?? 1) >= 5
        let displayWidth = swapsSides ? header.height : header.width

        var renditions: [EncodedRendition] = []
        var placeholder: String?
        for width in preset.widths(forDisplayWidth: displayWidth) {
            if isCancelled() { throw .engine("cancelled") }
            let scaled = try ScaleOnLoad.run(path: path, width: width)
            let stripped = try StripMetadata.run(scaled, keepCopyright: preset.keepCopyright)
            guard let pixels = vips_image_copy_memory(stripped.pointer) else {
                throw .unreadable("cannot decode the image: \(Vips.takeError())")
            }
            let decoded = VipsImageRef(taking: pixels)
            if placeholder == nil { placeholder = Placeholder.colour(of: decoded) }
            for encoding in preset.encodings {
                renditions.append(
                    EncodedRendition(
                        width: decoded.width, height: decoded.height, format: encoding.format,
                        data: try Encode.run(decoded, as: encoding, keepingCopyright: preset.keepCopyright)))
            }
        }
        return PhotoSet(renditions: renditions, placeholder: placeholder)
    }
}
