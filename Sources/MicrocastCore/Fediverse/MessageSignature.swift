import Crypto
import Foundation
import _CryptoExtras

/// RFC 9421 HTTP Message Signatures, as Mastodon (4.5 and later) sends them
/// beside or instead of draft-cavage ones: `Signature-Input` names the signed
/// components and parameters, `Signature` holds the bytes, both Structured
/// Field dictionaries keyed by a label. Verified: `rsa-v1_5-sha256`, over
/// at least the method, the target and (with a body) its `Content-Digest`,
/// `created` within the same window as draft-cavage's `Date`.
public enum MessageSignature {
    /// One signature read from the two fields.
    public struct Parameters: Sendable, Equatable {
        public var label: String
        /// Component identifiers in order: `@method`, `@target-uri`, `content-digest`, …
        public var components: [String]
        /// The signature parameters in order, as (name, serialised value).
        public var parameters: [(String, String)]
        public var keyId: String
        public var created: Int?
        public var expires: Int?
        public var algorithm: String?
        public var signature: Data

        public static func == (a: Parameters, b: Parameters) -> Bool {
            a.label == b.label && a.components == b.components && a.parameters.map(\.0) == b.parameters.map(\.0)
                && a.parameters.map(\.1) == b.parameters.map(\.1) && a.signature == b.signature
        }
    }

    /// What a signature may cover of the request it arrived on.
    public struct Target: Sendable {
        public var method: String
        /// `https://host/path?query`, as the request was addressed.
        public var uri: String

        public init(method: String, uri: String) {
            self.method = method
            self.uri = uri
        }
    }

    /// Reads the first signature labelled in both fields.
    public static func parse(signatureInput: String, signature: String) throws(HTTPSignature.Refusal) -> Parameters {
        var inputs = StructuredFields(signatureInput.trimmingCharacters(in: .whitespaces))
        let inputMembers = try inputs.dictionary()
        var signatures = StructuredFields(signature.trimmingCharacters(in: .whitespaces))
        let signatureMembers = try signatures.dictionary()
        guard let (label, input) = inputMembers.first(where: { member in signatureMembers.contains { $0.0 == member.0 } }),
            case .innerList(let items, let parameters) = input,
            case .bytes(let bytes)? = signatureMembers.first(where: { $0.0 == label })?.1
        else { throw .unreadable("no signature labelled in both Signature-Input and Signature") }
        var components: [String] = []
        for item in items {
            guard case .string(let name) = item else { throw .unreadable("a component must be a string") }
            components.append(name)
        }
        var result = Parameters(
            label: label,
            components: components,
            parameters: parameters.map { ($0.0, $0.1.serialised) },
            keyId: "",
            signature: bytes
        )
        for (name, value) in parameters {
            switch (name, value) {
            case ("keyid", .string(let text)): result.keyId = text
            case ("created", .integer(let number)): result.created = number
            case ("expires", .integer(let number)): result.expires = number
            case ("alg", .string(let text)): result.algorithm = text
            default: continue
            }
        }
        guard !result.keyId.isEmpty else { throw .unreadable("no keyid") }
        return result
    }

    /// The signature base (RFC 9421 §2.5) the signer signed.
    public static func base(_ parameters: Parameters, target: Target, value: (String) -> String?) throws(HTTPSignature.Refusal) -> String {
        guard let uri = URLComponents(string: target.uri) else { throw .unreadable("the request's target is not a URL") }
        let path = uri.percentEncodedPath.isEmpty ? "/" : uri.percentEncodedPath
        let query = uri.percentEncodedQuery.map { "?" + $0 } ?? ""
        var lines: [String] = []
        for component in parameters.components {
            let found: String? =
                switch component {
                case "@method": target.method
                case "@target-uri": target.uri
                case "@authority": uri.host.map { $0.lowercased() + (uri.port.map { ":\($0)" } ?? "") }
                case "@scheme": uri.scheme?.lowercased()
                case "@path": path
                case "@query": query.isEmpty ? "?" : query
                case "@request-target": path + query
                default: component.hasPrefix("@") ? nil : value(component)?.trimmingCharacters(in: .whitespaces)
                }
            guard let found else { throw .headerAbsent(component) }
            lines.append("\"\(component)\": \(found)")
        }
        let list = "(" + parameters.components.map { "\"\($0)\"" }.joined(separator: " ") + ")"
        lines.append("\"@signature-params\": " + list + parameters.parameters.map { ";\($0.0)=\($0.1)" }.joined())
        return lines.joined(separator: "\n")
    }

    /// Checks the signature with the signer's public key (PEM), and that it
    /// covers what it must: the method, the target, and a body's digest.
    public static func verify(
        _ parameters: Parameters,
        target: Target,
        hasBody: Bool,
        publicKeyPEM: String,
        now: Date = Date(),
        value: (String) -> String?
    ) throws(HTTPSignature.Refusal) {
        if let algorithm = parameters.algorithm, algorithm != "rsa-v1_5-sha256" {
            throw .unsupportedAlgorithm(algorithm + " (rsa-v1_5-sha256 is)")
        }
        let covered = Set(parameters.components)
        guard covered.contains("@method") else { throw .headerNotSigned("@method") }
        guard covered.contains("@target-uri") || (covered.contains("@authority") && !covered.isDisjoint(with: ["@path", "@request-target"]))
        else { throw .headerNotSigned("@target-uri") }
        if hasBody, !covered.contains("content-digest"), !covered.contains("digest") { throw .headerNotSigned("content-digest") }
        guard let created = parameters.created else { throw .headerNotSigned("created") }
        let date = Date(timeIntervalSince1970: TimeInterval(created))
        if date < now.addingTimeInterval(-12 * 3600) || date > now.addingTimeInterval(3600) { throw .stale("created \(created)") }
        if let expires = parameters.expires, Date(timeIntervalSince1970: TimeInterval(expires)) < now { throw .stale("expired") }
        let signed = try base(parameters, target: target, value: value)
        guard let key = try? _RSA.Signing.PublicKey(unsafePEMRepresentation: publicKeyPEM),
            key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: parameters.signature),
                for: Data(signed.utf8),
                padding: .insecurePKCS1v1_5
            )
        else { throw .badSignature }
    }
}
