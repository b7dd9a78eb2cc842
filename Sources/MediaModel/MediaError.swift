/// Why a media step failed, in words the person who uploaded the file can act on.
public enum MediaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a format we accept (the bytes, not the name, decided).
    case unsupported(String)
    /// The file claims to be media but cannot be decoded: truncated, damaged or fake.
    case unreadable(String)
    /// Over a configured limit (pixels, bytes, duration), found before decoding.
    case tooLarge(String)
    /// The engine itself failed on a file it accepted.
    case engine(String)
    /// Stopped from outside (shutdown, the job's deadline) between or inside
    /// steps: nothing is wrong with the file, and the job is tried again.
    case interrupted(String)
    /// The disk the output goes to is full: nothing is wrong with the file,
    /// and the job is tried again once there may be room.
    case noSpace(String)

    public var description: String {
        switch self {
        case .unsupported(let why), .unreadable(let why), .tooLarge(let why), .engine(let why), .interrupted(let why),
            .noSpace(let why):
            why
        }
    }

    /// Whether trying again may succeed: only an interruption or a full disk says nothing about the file.
    public var isRetryable: Bool {
        switch self {
        case .interrupted, .noSpace: true
        default: false
        }
    }
}
