import HTTPTypes

/// Header names HTTPTypes has no constant for, in one place.
extension HTTPField.Name {
    static let link = known("Link")
    static let referrerPolicy = known("Referrer-Policy")
    static let frameOptions = known("X-Frame-Options")
    static let xForwardedFor = known("X-Forwarded-For")
    static let forwarded = known("Forwarded")
    static let csrfToken = known("X-CSRF-Token")
    /// WebSub: a push's HMAC under the subscription's secret.
    static let hubSignature = known("X-Hub-Signature")
    // tus 1.0, the resumable upload protocol.
    static let tusResumable = known("Tus-Resumable")
    static let tusVersion = known("Tus-Version")
    static let tusExtension = known("Tus-Extension")
    static let tusMaxSize = known("Tus-Max-Size")
    static let uploadLength = known("Upload-Length")
    static let uploadOffset = known("Upload-Offset")
    static let uploadMetadata = known("Upload-Metadata")
    static let uploadExpires = known("Upload-Expires")
    /// Ours: the public URL of a complete upload's media item.
    static let uploadMediaURL = known("Upload-Media-URL")

    /// A name written here as a literal token, so always valid.
    private static func known(_ name: String) -> HTTPField.Name {
        guard let field = HTTPField.Name(name) else { preconditionFailure("\(name) is not a valid header name") }
        return field
    }
}
