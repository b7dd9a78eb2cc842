import CVips
import Foundation

/// One encoded rendition, still in memory; the caller decides where it lives.
public struct EncodedRendition: Sendable {
    public var width: Int
    public var height: Int
    public var format: PhotoPreset.Format
    public var data: Data
}

/// Makes every rendition a photo preset asks for.
///
/// The pipeline per width is: scale on load → strip metadata → encode, each a
/// step of its own. The decoded pixels of one width are kept in memory while
/// each encoding is written, so a photo is decoded once per width, not once per
/// file. Blocking; run it on a worker thread.
public enum PhotoRenditions {
    public static func make(from path: String, preset: PhotoPreset, isCancelled: () -> Bool = { false })
        throws(MediaError) -> [EncodedRendition]
    {
        try Vips.start()
        let header = try VipsImageRef.open(path: path)
        let swapsSides = (header.int("orientation") ?? 1) >= 5
        let displayWidth = swapsSides ? header.height : header.width

        var renditions: [EncodedRendition] = []
        for width in preset.widths(forDisplayWidth: displayWidth) {
            if isCancelled() { throw .engine("cancelled") }
            let scaled = try ScaleOnLoad.run(path: path, width: width)
            let stripped = try StripMetadata.run(scaled, keepCopyright: preset.keepCopyright)
            guard let pixels = vips_image_copy_memory(stripped.pointer) else {
                throw .unreadable("cannot decode the image: \(Vips.takeError())")
            }
            let decoded = VipsImageRef(taking: pixels)
            for encoding in preset.encodings {
                renditions.append(
                    EncodedRendition(
                        width: decoded.width, height: decoded.height, format: encoding.format,
                        data: try Encode.run(decoded, as: encoding, keepingCopyright: preset.keepCopyright)))
            }
        }
        return renditions
    }
}
