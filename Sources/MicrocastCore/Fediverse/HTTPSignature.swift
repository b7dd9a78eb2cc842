import Crypto
import Foundation
import _CryptoExtras

/// HTTP Signatures as the fediverse signs requests: draft-cavage-http-signatures
/// (version 12, what Mastodon sends and expects), RSASSA-PKCS1-v1_5 with
/// SHA-256 under the names `rsa-sha256` and `hs2019`, over
/// `(request-target)`, `host`, `date` and, with a body, `digest`.
public enum HTTPSignature {
    /// A `Signature` header, read.
    public struct Parameters: Sendable, Equatable {
        public var keyId: String
        public var algorithm: String?
        /// Lower-cased, in the order they are signed.
        public var headers: [String]
        public var signature: Data
        public var created: Int?
        public var expires: Int?
    }

    /// Why a signature was refused: said to the sender as a 401's reason.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case missing
        case unreadable(String)
        case unsupportedAlgorithm(String)
        case headerNotSigned(String)
        case headerAbsent(String)
        case stale(String)
        case digestMismatch
        case badSignature

        public var description: String {
            switch self {
            case .missing: "the request is not signed"
            case .unreadable(let why): "the Signature header cannot be read: \(why)"
            case .unsupportedAlgorithm(let name): "the algorithm \(name) is not supported (rsa-sha256, hs2019)"
            case .headerNotSigned(let name): "\(name) must be signed"
            case .headerAbsent(let name): "the signed header \(name) is not in the request"
            case .stale(let why): "the request's time is outside the accepted window: \(why)"
            case .digestMismatch: "the body does not match its Digest"
            case .badSignature: "the signature does not verify"
            }
        }
    }

    /// Parses `keyId="…",algorithm="…",headers="…",signature="…"`.
    public static func parse(_ header: String) throws(Refusal) -> Parameters {
        var fields: [String: String] = [:]
        var rest = Substring(header)
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...]
            let value: String
            if rest.first == "\"" {
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: "\"") else { throw .unreadable("an unclosed quote") }
                value = String(rest[..<close])
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            fields[name] = value
        }
        guard let keyId = fields["keyid"], !keyId.isEmpty else { throw .unreadable("no keyId") }
        guard let encoded = fields["signature"], let signature = Data(base64Encoded: encoded) else {
            throw .unreadable("no base64 signature")
        }
        let headers = (fields["headers"] ?? "date").lowercased().split(separator: " ").map(String.init)
        return Parameters(
            keyId: keyId,
            algorithm: fields["algorithm"],
            headers: headers,
            signature: signature,
            created: fields["created"].flatMap { Int($0) },
            expires: fields["expires"].flatMap { Int($0) }
        )
    }

    /// The string that was signed, from the request's method, path (with its
    /// query) and headers (`value(name)` gives a header's values, joined).
    public static func signingString(
        headers names: [String],
        method: String,
        path: String,
        created: Int? = nil,
        expires: Int? = nil,
        value: (String) -> String?
    ) throws(Refusal) -> String {
        var lines: [String] = []
        for name in names {
            switch name {
            case "(request-target)": lines.append("(request-target): \(method.lowercased()) \(path)")
            case "(created)":
                guard let created else { throw .headerAbsent(name) }
                lines.append("(created): \(created)")
            case "(expires)":
                guard let expires else { throw .headerAbsent(name) }
                lines.append("(expires): \(expires)")
            default:
                guard let found = value(name) else { throw .headerAbsent(name) }
                lines.append("\(name): \(found.trimmingCharacters(in: .whitespaces))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Checks a request's signature with the sender's public key (PEM), and
    /// that what must be signed was: the target, the host, the date, and the
    /// digest of a body. The date must be at most 12 hours old and at most an
    /// hour ahead (Mastodon's window).
    public static func verify(
        _ parameters: Parameters,
        method: String,
        path: String,
        hasBody: Bool,
        publicKeyPEM: String,
        now: Date = Date(),
        value: (String) -> String?
    ) throws(Refusal) {
        if let algorithm = parameters.algorithm?.lowercased(), algorithm != "rsa-sha256", algorithm != "hs2019" {
            throw .unsupportedAlgorithm(algorithm)
        }
        var required = ["(request-target)", "host"]
        if hasBody { required.append("digest") }
        for name in required where !parameters.headers.contains(name) {
            // RFC 9530's Content-Digest stands in for Digest.
            if name == "digest", parameters.headers.contains("content-digest") { continue }
            throw .headerNotSigned(name)
        }
        if parameters.headers.contains("date") {
            guard let text = value("date"), let date = HTTPDate.parse(text) else { throw .headerAbsent("date") }
            if date < now.addingTimeInterval(-12 * 3600) || date > now.addingTimeInterval(3600) { throw .stale("Date \(text)") }
        } else if let created = parameters.created {
            let date = Date(timeIntervalSince1970: TimeInterval(created))
            if date < now.addingTimeInterval(-12 * 3600) || date > now.addingTimeInterval(3600) { throw .stale("created \(created)") }
        } else {
            throw .headerNotSigned("date")
        }
        if let expires = parameters.expires, Date(timeIntervalSince1970: TimeInterval(expires)) < now { throw .stale("expired") }
        let signed = try signingString(
            headers: parameters.headers,
            method: method,
            path: path,
            created: parameters.created,
            expires: parameters.expires,
            value: value
        )
        guard let key = try? _RSA.Signing.PublicKey(unsafePEMRepresentation: publicKeyPEM),
            key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: parameters.signature),
                for: Data(signed.utf8),
                padding: .insecurePKCS1v1_5
            )
        else { throw .badSignature }
    }

    /// The `Signature` header for a request we send, over `(request-target)`,
    /// `host`, `date` and (with a body) `digest`; `headers` must hold them.
    public static func sign(
        method: String,
        path: String,
        headers: [String: String],
        keyId: String,
        privateKeyPEM: String
    ) throws -> String {
        var names = ["(request-target)", "host", "date"]
        if headers.keys.contains(where: { $0.lowercased() == "digest" }) { names.append("digest") }
        let lookup = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }) { first, _ in first }
        let signed = try signingString(headers: names, method: method, path: path) { lookup[$0] }
        let key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        let signature = try key.signature(for: Data(signed.utf8), padding: .insecurePKCS1v1_5)
        return
            "keyId=\"\(keyId)\",algorithm=\"rsa-sha256\",headers=\"\(names.joined(separator: " "))\",signature=\"\(signature.rawRepresentation.base64EncodedString())\""
    }

    /// `Digest: SHA-256=…` of a body.
    public static func digest(_ body: Data) -> String {
        "SHA-256=" + Data(SHA256.hash(data: body)).base64EncodedString()
    }

    /// Whether the body matches its `Digest` (SHA-256 or SHA-512) or RFC
    /// 9530 `Content-Digest` (sha-256 or sha-512); false if neither names one we can check.
    public static func bodyMatches(_ body: Data, digest: String?, contentDigest: String?) -> Bool {
        var checked = false
        for part in (digest ?? "").split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0].uppercased() {
            case "SHA-256":
                guard pair[1] == Data(SHA256.hash(data: body)).base64EncodedString() else { return false }
                checked = true
            case "SHA-512":
                guard pair[1] == Data(SHA512.hash(data: body)).base64EncodedString() else { return false }
                checked = true
            default: continue
            }
        }
        for part in (contentDigest ?? "").split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: ":"))
            switch pair[0].lowercased() {
            case "sha-256":
                guard value == Data(SHA256.hash(data: body)).base64EncodedString() else { return false }
                checked = true
            case "sha-512":
                guard value == Data(SHA512.hash(data: body)).base64EncodedString() else { return false }
                checked = true
            default: continue
            }
        }
        return checked
    }
}

/// The site's key pair for signing what it sends the fediverse.
public enum ActorKeys {
    /// A new RSA key pair (2048 bits, what Mastodon makes): private and public PEM.
    public static func generate() throws -> (privateKey: String, publicKey: String) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        return (key.pemRepresentation, key.publicKey.pemRepresentation)
    }
}
