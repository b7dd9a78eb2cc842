import Foundation
import MediaEngine
import MediaModel

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

/// Makes every rendition a photo preset asks for, in steps:
///
/// 1. `scale on load`: decoded once, shrunk on load to the largest width
///    (JPEG and WebP decode at a fraction of full size), upright, in sRGB;
/// 2. `strip metadata`: every EXIF, XMP, IPTC and ICC field removed;
/// 3. `resize`: each smaller width planned from those pixels;
/// 4. `encode`: each width made in memory, then written in each of the preset's formats;
/// 5. `placeholder`: the average colour of the smallest width.
///
/// Blocking; run it on a worker thread.
public enum PhotoRenditions {
    struct Context {
        let path: String
        let preset: PhotoPreset
        var widths: [Int] = []
        var master: VipsImageRef?
        var sizes: [VipsImageRef] = []
        var renditions: [EncodedRendition] = []
        var placeholder: String?
    }

    static var pipeline: Pipeline<Context> {
        Pipeline([
            .init("scale on load") { context, control throws(MediaError) in
                let header = try VipsImageRef.open(path: context.path)
                let swapsSides = (header.int("orientation") ?? 1) >= 5
                context.widths = context.preset.widths(forDisplayWidth: swapsSides ? header.height : header.width)
                guard let largest = context.widths.last else { return }
                // Lazy: the decode runs in the next step, under the control's time limit.
                context.master = try ScaleOnLoad.run(path: context.path, width: largest).stopping(with: control)
            },
            .init("strip metadata") { context, _ throws(MediaError) in
                guard let master = context.master else { return }
                context.master = try StripMetadata.run(master, keepCopyright: context.preset.keepCopyright).inMemory()
            },
            .init("resize") { context, control throws(MediaError) in
                guard let master = context.master else { return }
                context.sizes = []
                for width in context.widths {
                    try control.check("resizing to \(width) px")
                    context.sizes.append(try Resize.run(master, toWidth: width))
                }
            },
            .init("encode") { context, control throws(MediaError) in
                for size in context.sizes {
                    // Made once per width, so each of its encoders reads finished pixels.
                    let image = try size.inMemory()
                    for encoding in context.preset.encodings {
                        try control.check("encoding \(encoding.format.rawValue) at \(image.width) px")
                        context.renditions.append(
                            EncodedRendition(
                                width: image.width,
                                height: image.height,
                                format: encoding.format,
                                data: try Encode.run(image, as: encoding, keepingCopyright: context.preset.keepCopyright)
                            )
                        )
                    }
                }
            },
            .init("placeholder") { context, _ throws(MediaError) in
                context.placeholder = context.sizes.first.flatMap(Placeholder.colour)
            },
        ])
    }

    /// - Parameter budget: the decode memory this photo reserves while it is decoded (see `DecodeBudget`).
    public static func make(
        from path: String,
        preset: PhotoPreset,
        budget: DecodeBudget,
        control: JobControl = .unlimited
    )
        throws(MediaError) -> PhotoSet
    {
        try budget.withReservation(DecodeBudget.estimate(path: path)) { () throws(MediaError) in
            var context = Context(path: path, preset: preset)
            try pipeline.run(&context, control: control)
            return PhotoSet(renditions: context.renditions, placeholder: context.placeholder)
        }
    }
}
