import MediaEngine
import MediaModel

/// Chooses a video's poster as frames go by: the first frame from a share of
/// the duration on that is neither dark nor flat nor changing fast (a black
/// lead-in, a blank title card, a fade); failing that, the liveliest frame seen.
///
/// Holds at most two frames; releases them with itself.
final class PosterPicker {
    struct Luma: Equatable {
        var mean: Double
        var deviation: Double
    }

    private let from: Double
    private let settings: VideoPreset.Poster
    private(set) var chosen: RetainedFrame?
    private var fallback: RetainedFrame?
    private var fallbackScore = -1.0
    private var previous: Luma?

    init(duration: Double?, settings: VideoPreset.Poster) {
        from = (duration ?? 0) * settings.fromFraction
        self.settings = settings
    }

    var isDone: Bool { chosen != nil }

    /// The chosen frame, or the best seen when none met the bar.
    var poster: RetainedFrame? { chosen ?? fallback }

    /// Looks at an upright, scaled YUV frame shown at `time` seconds.
    func consider(_ frame: Frame, at time: Double) throws(MediaError) {
        guard chosen == nil else { return }
        let statistics = frame.lumaStatistics()
        let luma = Luma(mean: statistics.mean, deviation: statistics.deviation)
        defer { previous = luma }
        if time >= from && isUsable(luma, after: previous) {
            chosen = try frame.retained()
            return
        }
        let score = luma.deviation + luma.mean / 4
        if score > fallbackScore {
            fallback = try frame.retained()
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
}
