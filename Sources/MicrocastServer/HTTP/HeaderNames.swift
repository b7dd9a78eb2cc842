import HTTPTypes

/// Header names HTTPTypes has no constant for, in one place.
extension HTTPField.Name {
    static let link = known("Link")
    static let referrerPolicy = known("Referrer-Policy")
    static let frameOptions = known("X-Frame-Options")
    static let xForwardedFor = known("X-Forwarded-For")
    static let forwarded = known("Forwarded")

    /// A name written here as a literal token, so always valid.
    private static func known(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("\(name) is not a valid header name") }
        return field
    }
}
