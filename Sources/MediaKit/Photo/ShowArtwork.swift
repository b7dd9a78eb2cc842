import Foundation
import MediaEngine
import MediaModel

/// Podcast artwork: a square sRGB JPEG between 1400 and 3000 pixels, as
/// Apple Podcasts requires.
public enum ShowArtwork {
    public static let minimumSide = 1400
    public static let maximumSide = 3000

    /// The middle square of the owner's image, scaled into the allowed range.
    public static func make(from path: String) throws(MediaError) -> Data {
        let header = try VipsImageRef.open(path: path)
        let side = min(maximumSide, max(minimumSide, min(header.width, header.height)))
        return try encode(try VipsImageRef.square(path: path, size: side))
    }

    /// A generated card with the show's title, until the owner sets artwork.
    public static func titleCard(_ title: String, side: Int = minimumSide) throws(MediaError) -> Data {
        // A calm colour that stays the same for the same title.
        let hue = Double(title.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) & 0xFFFF } % 360)
        let (red, green, blue) = rgb(hue: hue, saturation: 0.55, lightness: 0.35)
        return try encode(
            try VipsImageRef.titleCard(title.isEmpty ? "Podcast" : title, size: side, red: red, green: green, blue: blue)
        )
    }

    static func encode(_ image: VipsImageRef) throws(MediaError) -> Data {
        let stripped = try StripMetadata.run(image, keepCopyright: false)
        return try Encode.run(stripped, as: .init(format: .jpeg, quality: 88), keepingCopyright: false)
    }

    static func rgb(hue: Double, saturation: Double, lightness: Double) -> (Double, Double, Double) {
        let chroma = (1 - abs(2 * lightness - 1)) * saturation
        let x = chroma * (1 - abs((hue / 60).truncatingRemainder(dividingBy: 2) - 1))
        let m = lightness - chroma / 2
        let (r, g, b): (Double, Double, Double) =
            switch hue {
            case ..<60: (chroma, x, 0)
            case ..<120: (x, chroma, 0)
            case ..<180: (0, chroma, x)
            case ..<240: (0, x, chroma)
            case ..<300: (x, 0, chroma)
            default: (chroma, 0, x)
            }
        return ((r + m) * 255, (g + m) * 255, (b + m) * 255)
    }
}
