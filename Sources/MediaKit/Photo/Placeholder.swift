import MediaEngine
import MediaModel

/// A photo's average colour as `#rrggbb`: what a page paints in the photo's
/// box until the image arrives.
enum Placeholder {
    static func colour(of image: VipsImageRef) -> String? {
        guard let means = image.bandMeans(3) else { return nil }
        // 16-bit images count to 65535; a grey image (perhaps with alpha) has one colour band.
        let scale = image.isSixteenBit ? 257.0 : 1
        let rgb = (means.count >= 3 ? means : [means[0], means[0], means[0]]).map { $0 / scale }
        return hex(rgb)
    }

    static func hex(_ rgb: [Double]) -> String {
        "#"
            + rgb.prefix(3).map { value in
                let byte = UInt8(max(0, min(255, value.rounded())))
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
    }
}
