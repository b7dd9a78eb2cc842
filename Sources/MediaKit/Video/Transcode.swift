import MediaEngine
import MediaModel

/// Decodes a video once and feeds every frame to each output's filters and
/// encoder (and each sound frame to each output's resampler), then finishes
/// the files. A container may declare no duration, or a false one, so the
/// length limit is held on what decodes. The largest output's frames are
/// upright and scaled: the poster is chosen from them as they pass.
enum Transcode {
    static func run(
        _ source: VideoSource,
        into outputs: [VideoOutput],
        poster: PosterPicker,
        limits: MediaLimits,
        control: JobControl
    )
        throws(MediaError)
    {
        try source.decodeAll(
            video: { frame, seconds throws(MediaError) in
                if let seconds, seconds > limits.maxDurationSeconds {
                    throw .tooLarge("the video is longer than the \(Int(limits.maxDurationSeconds / 60))-minute limit")
                }
                if control.shouldStop { try control.check("transcoding the rest of the video") }
                if let seconds, let duration = source.duration, duration > 0 { control.report(seconds / duration) }
                for (index, output) in outputs.enumerated() {
                    try output.pushVideo(frame) { filtered, time throws(MediaError) in
                        if index == 0 && !poster.isDone { try poster.consider(filtered, at: time) }
                    }
                }
            },
            audio: { frame throws(MediaError) in
                for output in outputs { try output.pushAudio(frame) }
            }
        )
        for output in outputs { try output.finish() }
        guard outputs.allSatisfy({ $0.framesWritten > 0 }) else { throw .unreadable("the video has no decodable frames") }
    }
}
