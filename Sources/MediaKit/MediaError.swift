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

    public var description: String {
        switch self {
        case .unsupported(let why), .unreadable(let why), .tooLarge(let why), .engine(let why): why
        }
    }
}
