import Foundation
import MediaKit
import MediaModel

/// One file through everything the server does with an upload of it:
/// inspection (as the upload waits), the location-free public copy, and the
/// full processing job of its kind, all under one time limit enforced the way
/// the workers enforce theirs (FFmpeg's interrupt callback, libvips's
/// progress check). `scripts/fuzz-media` runs it on each mutated file in a
/// child built with AddressSanitizer, so a crash or memory error ends only
/// that child, with the sanitizer's report.
public enum MediaTrial {
    public enum Outcome: String, Codable, Sendable {
        /// Accepted and every job step finished.
        case processed
        /// Refused, at inspection or in processing, with a reason.
        case refused
        /// Stopped by the time limit: every step must end by itself, so this is a finding.
        case timeout
    }

    public struct Report: Codable, Sendable {
        public var outcome: Outcome
        public var kind: String?
        public var reason: String?
        public var seconds: Double
        /// The process's own peak resident memory; the driver fills it in.
        public var peakKilobytes: Int?
    }

    public static func run(path: String, presets: Presets, seconds: Double, scratch: URL) -> Report {
        let started = ContinuousClock.now
        let control = JobControl(deadline: started + .seconds(seconds))
        var kind: String?
        func report(_ outcome: Outcome, _ reason: String? = nil) -> Report {
            let elapsed = started.duration(to: .now)
            let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return Report(outcome: outcome, kind: kind, reason: reason, seconds: total)
        }
        do throws(MediaError) {
            let probe = try Inspector.inspect(path: path, limits: MediaLimits(), budget: DecodeBudget(), control: control)
            kind = probe.kind.rawValue
            switch probe.kind {
            case .photo:
                let format = MediaFormat.withMIMEType(probe.mimeType) ?? .jpeg
                _ = try RemoveLocation.copy(
                    from: path,
                    format: format,
                    to: scratch.appendingPathComponent("public"),
                    control: control
                )
                _ = try PhotoRenditions.make(from: path, preset: presets.photo, budget: DecodeBudget(), control: control)
            case .audio:
                _ = try PodcastAudio.make(
                    from: path,
                    into: scratch,
                    preset: presets.audio,
                    tags: AudioTags(title: "Trial"),
                    control: control
                )
            case .video:
                _ = try WebVideo.make(
                    from: path,
                    into: scratch,
                    preset: presets.video,
                    posterEncodings: presets.photo.encodings,
                    control: control
                )
            case .text:
                break
            }
            return report(.processed)
        } catch {
            if case .interrupted(let why) = error { return report(.timeout, why) }
            return report(.refused, error.description)
        }
    }
}
