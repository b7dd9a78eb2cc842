import CVips
import CVipsShim

/// Decides, quickly and before a file is accepted, whether an upload is media
/// we can process: the right kind of bytes, within the limits, and decodable.
/// Blocking; run it on a worker thread.
public enum Inspector {
    /// The probe of a file that passed every check.
    public static func inspect(path: String, limits: MediaLimits) throws(MediaError) -> MediaProbe {
        let probe = try Prober.probe(path: path)
        switch probe.kind {
        case .photo:
            let pixels = (probe.width ?? 0) * (probe.height ?? 0)
            if pixels > limits.maxPixels {
                throw .tooLarge(
                    "the image is \(probe.width ?? 0)×\(probe.height ?? 0) pixels "
                        + "(\(pixels / 1_000_000) megapixels); the limit is \(limits.maxPixels / 1_000_000) megapixels")
            }
            try decodeAll(path: path, format: probe.format)
        case .text:
            break
        case .audio, .video:
            if let duration = probe.duration, duration > limits.maxDurationSeconds {
                throw .tooLarge(
                    "the recording is \(Int(duration / 60)) minutes long; the limit is \(Int(limits.maxDurationSeconds / 60)) minutes")
            }
            let pixels = (probe.width ?? 0) * (probe.height ?? 0)
            if probe.kind == .video && pixels > limits.maxPixels {
                throw .tooLarge(
                    "the video is \(probe.width ?? 0)×\(probe.height ?? 0) pixels a frame; the limit is \(limits.maxPixels / 1_000_000) megapixels")
            }
            try AVProbe.requireComplete(path: path)
        }
        return probe
    }

    /// Decodes every pixel once, streaming (JPEGs at 1/8 size, which libjpeg
    /// makes cheap), so a truncated or damaged file is refused now rather than
    /// failing later.
    static func decodeAll(path: String, format: String) throws(MediaError) {
        try DecodeBudget.shared.withReservation(DecodeBudget.estimate(path: path)) { () throws(MediaError) in
            try decodeEvery(path: path, format: format)
        }
    }

    private static func decodeEvery(path: String, format: String) throws(MediaError) {
        let image: VipsImageRef
        do {
            image =
                format == MediaFormat.jpeg.name
                ? try VipsImageRef.make("") { mc_vips_open_jpeg_shrunk(path, 8, $0) }
                : try VipsImageRef.open(path: path, failOnTruncated: true)
        } catch {
            throw .unreadable("the image is damaged or truncated (\(error.description.trimmingCharacters(in: [":", " "])))")
        }
        var average = 0.0
        guard mc_vips_avg(image.pointer, &average) == 0 else {
            throw .unreadable("the image is damaged or truncated (\(Vips.takeError()))")
        }
    }
}
