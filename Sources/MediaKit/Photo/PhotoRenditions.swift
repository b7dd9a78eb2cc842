import CVips
import CVipsShim
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
/// The photo is decoded once, shrunk on load to the largest width (JPEG and
/// WebP decode at a fraction of full size), turned upright, converted to sRGB
/// and stripped; every smaller width is resized from those pixels in memory.
/// Each width is held decoded while its encodings are written. Blocking; run
/// it on a worker thread.
public enum PhotoRenditions {
    public static func make(from path: String, preset: PhotoPreset, isCancelled: () -> Bool = { false })
        throws(MediaError) -> PhotoSet
    {
        try DecodeBudget.shared.withReservation(DecodeBudget.estimate(path: path)) { () throws(MediaError) in
            try make(path: path, preset: preset, isCancelled: isCancelled)
        }
    }

    private static func make(path: String, preset: PhotoPreset, isCancelled: () -> Bool) throws(MediaError) -> PhotoSet {
        try Vips.start()
        let header = try VipsImageRef.open(path: path)
        let swapsSides = (header.int("orientation") ?? 1) >= 5
        let displayWidth = swapsSides ? header.height : header.width
        let widths = preset.widths(forDisplayWidth: displayWidth)
        guard let largest = widths.last else { return PhotoSet(renditions: [], placeholder: nil) }

        let scaled = try ScaleOnLoad.run(path: path, width: largest)
        let master = try decoded(try StripMetadata.run(scaled, keepCopyright: preset.keepCopyright))

        var renditions: [EncodedRendition] = []
        var placeholder: String?
        for width in widths {
            if isCancelled() { throw .engine("cancelled") }
            let pixels =
                width >= master.width
                ? master
                : try decoded(try VipsImageRef.make("cannot resize the image") {
                    mc_vips_resize(master.pointer, Double(width) / Double(master.width), $0)
                })
            if placeholder == nil { placeholder = Placeholder.colour(of: pixels) }
            for encoding in preset.encodings {
                renditions.append(
                    EncodedRendition(
                        width: pixels.width, height: pixels.height, format: encoding.format,
                        data: try Encode.run(pixels, as: encoding, keepingCopyright: preset.keepCopyright)))
            }
        }
        return PhotoSet(renditions: renditions, placeholder: placeholder)
    }

    /// Runs the pipeline behind `image` into memory, so each encoder reads
    /// finished pixels instead of decoding again.
    private static func decoded(_ image: VipsImageRef) throws(MediaError) -> VipsImageRef {
        guard let pixels = vips_image_copy_memory(image.pointer) else {
            throw .unreadable("cannot decode the image: \(Vips.takeError())")
        }
        return VipsImageRef(taking: pixels)
    }
}
