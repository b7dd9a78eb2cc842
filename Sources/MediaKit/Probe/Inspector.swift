import MediaEngine
import MediaModel

/// Decides, quickly and before a file is accepted, whether an upload is media
/// we can process: the right kind of bytes, within the limits, and decodable.
/// Blocking; run it on a worker thread.
public enum Inspector {
    /// The probe of a file that passed every check.
    /// - Parameters:
    ///   - budget: photo decodes reserve their unstreamable memory here (see `DecodeBudget`).
    ///   - control: reads and decodes stop when it says so (a hostile file cannot hold the caller).
    public static func inspect(
        path: String,
        limits: MediaLimits,
        budget: DecodeBudget,
        control: JobControl = .unlimited
    ) throws(MediaError) -> MediaProbe {
        let probe = try Prober.probe(path: path, limits: limits, control: control)
        switch probe.kind {
        case .photo:
            let pixels = (probe.width ?? 0) * (probe.height ?? 0)
            if pixels > limits.maxPixels {
                throw .tooLarge(
                    "the image is \(probe.width ?? 0)×\(probe.height ?? 0) pixels "
                        + "(\(pixels / 1_000_000) megapixels); the limit is \(limits.maxPixels / 1_000_000) megapixels"
                )
            }
            try budget.withReservation(DecodeBudget.estimate(path: path)) { () throws(MediaError) in
                try decodeAll(path: path, format: probe.format, control: control)
            }
        case .text:
            break
        case .audio, .video:
            if let duration = probe.duration, duration > limits.maxDurationSeconds {
                throw .tooLarge(
                    "the recording is \(Int(duration / 60)) minutes long; the limit is \(Int(limits.maxDurationSeconds / 60)) minutes"
                )
            }
            let pixels = (probe.width ?? 0) * (probe.height ?? 0)
            if probe.kind == .video && pixels > limits.maxPixels {
                throw .tooLarge(
                    "the video is \(probe.width ?? 0)×\(probe.height ?? 0) pixels a frame; the limit is \(limits.maxPixels / 1_000_000) megapixels"
                )
            }
            try AVProbe.requireComplete(path: path, control: control)
        }
        return probe
    }

    /// Decodes every pixel once, streaming (JPEGs at 1/8 size, which libjpeg
    /// makes cheap), so a truncated or damaged file is refused now rather than
    /// failing later.
    static func decodeAll(path: String, format: String, control: JobControl) throws(MediaError) {
        do {
            let image =
                format == MediaFormat.jpeg.name
                ? try VipsImageRef.openJPEG(path: path, shrink: 8) : try VipsImageRef.open(path: path, failOnTruncated: true)
            _ = try image.stopping(with: control).average()
        } catch {
            if case .interrupted = error { throw error }
            let reason = error.description.replacingOccurrences(of: "cannot read image", with: "").trimmingCharacters(in: [":", " "])
            throw .unreadable("the image is damaged or truncated (\(reason))")
        }
    }
}
