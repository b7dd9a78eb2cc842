import MediaModel

/// What the server asks a media child, one JSON line each way. The child is
/// given paths it may read and answers with values; the server checks what
/// comes back as it would anything a stranger sent (see `MediaChildPool`).
public struct ChildRequest: Codable, Sendable {
    /// What the child is asked to do with the file.
    public enum Work: String, Codable, Sendable {
        /// `Inspector.inspect`: the probe of an upload that passed every check.
        case inspect
    }

    public var work: Work
    public var path: String
    public var limits: MediaLimits
    /// Seconds the work may take before the child stops it itself.
    public var seconds: Double

    public init(work: Work, path: String, limits: MediaLimits, seconds: Double) {
        self.work = work
        self.path = path
        self.limits = limits
        self.seconds = seconds
    }
}

/// A child's answer: a probe, or the media error it met, by kind and words.
public struct ChildAnswer: Codable, Sendable {
    public var probe: MediaProbe?
    public var error: ChildError?

    /// A `MediaError` as it crosses the pipe.
    public struct ChildError: Codable, Sendable, Equatable {
        public var kind: String
        public var message: String
    }

    init(probe: MediaProbe) {
        self.probe = probe
        error = nil
    }

    init(error: MediaError) {
        probe = nil
        let kind: String
        switch error {
        case .unsupported: kind = "unsupported"
        case .unreadable: kind = "unreadable"
        case .tooLarge: kind = "tooLarge"
        case .engine: kind = "engine"
        case .interrupted: kind = "interrupted"
        case .noSpace: kind = "noSpace"
        }
        self.error = ChildError(kind: kind, message: String(error.description.prefix(2000)))
    }

    /// The media error the child met; an unknown kind is the engine's fault.
    var mediaError: MediaError? {
        guard let error else { return nil }
        switch error.kind {
        case "unsupported": return .unsupported(error.message)
        case "unreadable": return .unreadable(error.message)
        case "tooLarge": return .tooLarge(error.message)
        case "interrupted": return .interrupted(error.message)
        case "noSpace": return .noSpace(error.message)
        default: return .engine(error.message)
        }
    }
}
