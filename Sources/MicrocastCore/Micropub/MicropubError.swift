import MediaModel

/// An error answer from the Micropub or media endpoint, with the error code
/// and HTTP status the Micropub and OAuth 2.0 specifications give it.
public struct MicropubError: Error, Equatable, Sendable {
    /// The error codes Micropub and OAuth 2.0 define.
    public enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case unauthorized
        case forbidden
        case insufficientScope = "insufficient_scope"
        case notFound = "not_found"
        case gone
        /// Not Micropub's or OAuth's: the server's disk is full (HTTP 507).
        case insufficientStorage = "insufficient_storage"
    }

    public var code: Code
    public var description: String
    public var status: Int

    public init(_ code: Code, _ description: String, status: Int? = nil) {
        self.code = code
        self.description = description
        self.status = status ?? Self.defaultStatus(code)
    }

    static func defaultStatus(_ code: Code) -> Int {
        switch code {
        case .invalidRequest: 400
        case .unauthorized: 401
        case .forbidden, .insufficientScope: 403
        case .notFound: 404
        case .gone: 410
        case .insufficientStorage: 507
        }
    }

    public static func invalidRequest(_ description: String) -> MicropubError { .init(.invalidRequest, description) }
    /// An upload of a type we do not take: 415, with the Micropub code for a bad request.
    public static func unsupportedMediaType(_ description: String) -> MicropubError {
        .init(.invalidRequest, description, status: 415)
    }
    public static func insufficientStorage(_ description: String) -> MicropubError { .init(.insufficientStorage, description) }
    public static func tooLarge(_ description: String) -> MicropubError { .init(.invalidRequest, description, status: 413) }
}

extension MicropubError {
    /// A full disk: the operator's to fix, not the client's fault.
    public static let diskFull = MicropubError.insufficientStorage("the server's disk is full, so nothing was stored; try again later")

    /// The answer for a file that failed inspection.
    public init(_ error: MediaError) {
        switch error {
        case .unsupported(let why): self = .unsupportedMediaType(why)
        case .tooLarge(let why): self = .init(.invalidRequest, why, status: 413)
        case .unreadable(let why), .engine(let why): self = .init(.invalidRequest, why, status: 422)
        case .interrupted(let why): self = .init(.invalidRequest, why, status: 503)
        case .noSpace: self = .diskFull
        }
    }
}
