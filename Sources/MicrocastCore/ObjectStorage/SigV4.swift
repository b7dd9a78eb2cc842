import Crypto
import Foundation

/// Keys for an S3-compatible store, from `AWS_ACCESS_KEY_ID` and
/// `AWS_SECRET_ACCESS_KEY` (or a credentials file), never from the command
/// line. Its description names the key id only, so it can be logged.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyId: String
    public var secretAccessKey: String
    /// Temporary credentials' token (`AWS_SESSION_TOKEN`), signed as `x-amz-security-token`.
    public var sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "AWSCredentials(\(accessKeyId), secret redacted)" }
    public var debugDescription: String { description }
}

/// AWS Signature Version 4, as the specification ("Signing AWS API requests")
/// and Amazon S3's API reference ("Authenticating Requests") define it:
/// the canonical request, the string to sign, the derived signing key and
/// the `Authorization` header, or the same as a presigned URL's query.
/// Pure: the time is given, so the published test vectors are tests.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What is signed of a request.
    public struct Request: Sendable {
        public var method: String
        /// The path as sent: each segment URI-encoded once (S3 does not encode it twice).
        public var path: String
        /// Query parameters, not yet encoded; a parameter without a value has "".
        public var query: [(String, String)]
        /// Every header to sign (`host` among them), not yet lower-cased.
        public var headers: [(String, String)]
        /// The body's SHA-256 in hex, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        public init(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)], payloadHash: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    static let algorithm = "AWS4-HMAC-SHA256"

    /// The headers to add to `request` (`x-amz-date`, for S3 `x-amz-content-sha256`,
    /// a session token's, and `Authorization`), signed at `date`.
    public func headers(for request: Request, at date: Date) -> [(String, String)] {
        let stamp = Self.timestamp(date)
        var added: [(String, String)] = [("x-amz-date", stamp)]
        if service == "s3" { added.append(("x-amz-content-sha256", request.payloadHash)) }
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        var signed = request
        signed.headers += added
        let (canonical, signedHeaders) = Self.canonicalRequest(signed)
        let signature = self.signature(canonicalRequest: canonical, timestamp: stamp)
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope(stamp)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return added + [("Authorization", authorization)]
    }

    /// A presigned URL's query (for a GET a browser or CDN can follow): the
    /// request's own query and the `X-Amz-*` parameters, host the only header signed.
    public func presignedQuery(
        method: String,
        path: String,
        host: String,
        query: [(String, String)] = [],
        expires: Int,
        at date: Date
    )
        -> [(String, String)]
    {
        let stamp = Self.timestamp(date)
        var parameters =
            query + [
                ("X-Amz-Algorithm", Self.algorithm), ("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(stamp))"),
                ("X-Amz-Date", stamp), ("X-Amz-Expires", String(expires)), ("X-Amz-SignedHeaders", "host"),
            ]
        if let token = credentials.sessionToken { parameters.append(("X-Amz-Security-Token", token)) }
        let request = Request(method: method, path: path, query: parameters, headers: [("host", host)], payloadHash: Self.unsignedPayload)
        let (canonical, _) = Self.canonicalRequest(request)
        return parameters + [("X-Amz-Signature", signature(canonicalRequest: canonical, timestamp: stamp))]
    }

    /// `date/region/service/aws4_request`.
    func scope(_ timestamp: String) -> String { "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request" }

    func signature(canonicalRequest: String, timestamp: String) -> String {
        let stringToSign = [Self.algorithm, timestamp, scope(timestamp), Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [String(timestamp.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// The canonical request and its signed-header list.
    static func canonicalRequest(_ request: Request) -> (String, String) {
        let encoded: [(name: String, value: String)] = request.query.map { parameter in
            (uriEncode(parameter.0, encodingSlash: true), uriEncode(parameter.1, encodingSlash: true))
        }
        let sorted = encoded.sorted { left, right in left.name == right.name ? left.value < right.value : left.name < right.name }
        let query = sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
        // Names lower-cased, values trimmed with inner runs of spaces folded; one line per name.
        var headers: [String: [String]] = [:]
        for (name, value) in request.headers {
            let folded = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            headers[name.lowercased(), default: []].append(folded)
        }
        let lines = headers.sorted { $0.key < $1.key }
        let canonicalHeaders = lines.map { "\($0.key):\($0.value.joined(separator: ","))\n" }.joined()
        let signedHeaders = lines.map(\.key).joined(separator: ";")
        let canonical = [
            request.method, request.path.isEmpty ? "/" : request.path, query, canonicalHeaders, signedHeaders, request.payloadHash,
        ]
        .joined(separator: "\n")
        return (canonical, signedHeaders)
    }

    /// RFC 3986 encoding as SigV4 defines it: unreserved characters kept,
    /// every other byte `%XX` in upper case; `/` kept in a path.
    public static func uriEncode(_ text: String, encodingSlash: Bool) -> String {
        var result = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) || (byte == slash && !encodingSlash) {
                result.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    static let slash = UInt8(ascii: "/")
    static let unreserved: Set<UInt8> = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)

    /// `YYYYMMDDTHHMMSSZ` in UTC.
    static func timestamp(_ date: Date) -> String {
        let parts = DateText.parts(date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ",
            parts.tm_year + 1900,
            parts.tm_mon + 1,
            parts.tm_mday,
            parts.tm_hour,
            parts.tm_min,
            parts.tm_sec
        )
    }

    /// Lower-case hex, as SigV4 writes hashes and signatures.
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
