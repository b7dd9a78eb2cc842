import MediaEngine
import MediaModel

/// The chosen frame as the photo preset's formats (stripped, like every
/// photo rendition), and its average colour.
enum EncodePoster {
    static func run(
        _ frame: RetainedFrame,
        encodings: [PhotoPreset.Encoding]
    ) throws(MediaError)
        -> (renditions: [EncodedRendition], placeholder: String?)
    {
        let rgb = try frame.rgbPixels()
        let image = try VipsImageRef.fromRGB(rgb)
        let renditions = try encodings.map { encoding throws(MediaError) in
            EncodedRendition(
                width: rgb.width,
                height: rgb.height,
                format: encoding.format,
                data: try Encode.run(image, as: encoding, keepingCopyright: false)
            )
        }
        return (renditions, Placeholder.colour(of: image))
    }
}
