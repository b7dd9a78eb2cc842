import CFFmpeg

/// Chooses a video's poster as frames go by: the first frame from a share of
/// the duration on that is neither dark nor flat nor changing fast (a black
/// lead-in, a blank title card, a fade); failing that, the liveliest frame seen.
///
/// Holds at most two frame references; frees them when released.
final class PosterPicker {
    struct Luma: Equatable {
        var mean: Double
        var deviation: Double
    }

    private let from: Double
    private let settings: VideoPreset.Poster
    private(set) var chosen: UnsafeMutablePointer<AVFrame>?
    private var fallback: UnsafeMutablePointer<AVFrame>?
    private var fallbackScore = -1.0
    private var previous: Luma?

    init(duration: Double?, settings: VideoPreset.Poster) {
        from = (duration ?? 0) * settings.fromFraction
        self.settings = settings
    }

    deinit {
        av_frame_free(&chosen)
        av_frame_free(&fallback)
    }

    var isDone: Bool { chosen != nil }

    /// The chosen frame, or the best seen when none met the bar.
    var poster: UnsafeMutablePointer<AVFrame>? { chosen ?? fallback }

    /// Looks at a YUV frame shown at `time` seconds.
    func consider(_ frame: UnsafeMutablePointer<AVFrame>, at time: Double) {
        guard chosen == nil else { return }
        let luma = Self.luma(of: frame)
        defer { previous = luma }
        if time >= from && isUsable(luma, after: previous) {
            chosen = av_frame_clone(frame)
            return
        }
        let score = luma.deviation + luma.mean / 4
        if score > fallbackScore {
            av_frame_free(&fallback)
            fallback = av_frame_clone(frame)
            fallbackScore = score
        }
    }

    /// Bright enough, not flat, and settled: a frame whose brightness still
    /// moves fast against the one before is part of a fade or a cut.
    func isUsable(_ luma: Luma, after previous: Luma?) -> Bool {
        guard let previous else { return false }
        return luma.mean >= settings.minBrightness && luma.deviation >= settings.minContrast
            && abs(luma.mean - previous.mean) <= settings.maxChange
    }

    /// Mean and standard deviation of the luma plane, sampled on an 8-pixel
    /// grid: plenty to tell a picture from a black or blank frame.
    static func luma(of frame: UnsafeMutablePointer<AVFrame>) -> Luma {
        guard let plane = frame.pointee.data.0 else { return Luma(mean: 0, deviation: 0) }
        let stride = Int(frame.pointee.linesize.0)
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        var sum = 0.0, squares = 0.0, count = 0.0
        for y in Swift.stride(from: 0, to: height, by: 8) {
            let row = plane + y * stride
            for x in Swift.stride(from: 0, to: width, by: 8) {
                let value = Double(row[x])
                sum += value
                squares += value * value
                count += 1
            }
        }
        guard count > 0 else { return Luma(mean: 0, deviation: 0) }
        let mean = sum / count
        return Luma(mean: mean, deviation: (max(0, squares / count - mean * mean)).squareRoot())
    }
}
