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
