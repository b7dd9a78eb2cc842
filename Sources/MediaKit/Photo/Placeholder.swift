import CVips
import CVipsShim

/// A photo's average colour as `#rrggbb`: what a page paints in the photo's
/// box until the image arrives.
public enum Placeholder {
    static func colour(of image: VipsImageRef) -> String? {
        var means = [Double](repeating: 0, count: 3)
        let bands = Int(mc_vips_band_means(image.pointer, &means, 3))
        guard bands > 0 else {
            _ = Vips.takeError()
            return nil
        }
        // 16-bit images count to 65535; a grey image (perhaps with alpha) has one colour band.
        let scale = vips_image_get_format(image.pointer) == VIPS_FORMAT_USHORT ? 257.0 : 1
        let rgb = (bands >= 3 ? means : [means[0], means[0], means[0]]).map { $0 / scale }
        return hex(rgb)
    }

    static func hex(_ rgb: [Double]) -> String {
        "#" + rgb.prefix(3).map { value in
            let byte = UInt8(max(0, min(255, value.rounded())))
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
