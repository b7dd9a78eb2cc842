import Foundation
import MicrocastCore

/// A request's signature in either scheme fediverse servers use:
/// draft-cavage (`Signature` alone) or RFC 9421 (`Signature-Input` with
/// `Signature`), which Mastodon 4.5 and later may send instead.
enum IncomingSignature {
    case cavage(HTTPSignature.Parameters)
    case message(MessageSignature.Parameters)

    /// RFC 9421's fields when the request has them, else draft-cavage's.
    static func read(header: (String) -> String?) throws(HTTPSignature.Refusal) -> IncomingSignature {
        guard let signature = header("signature") else { throw .missing }
        if let input = header("signature-input") { return .message(try MessageSignature.parse(signatureInput: input, signature: signature)) }
        return .cavage(try HTTPSignature.parse(signature))
    }

    var keyId: String {
        switch self {
        case .cavage(let parameters): parameters.keyId
        case .message(let parameters): parameters.keyId
        }
    }

    func verify(
        method: String,
        path: String,
        targetURI: String,
        hasBody: Bool,
        publicKeyPEM: String,
        header: (String) -> String?
    ) throws(HTTPSignature.Refusal) {
        switch self {
        case .cavage(let parameters):
            try HTTPSignature.verify(parameters, method: method, path: path, hasBody: hasBody, publicKeyPEM: publicKeyPEM, value: header)
        case .message(let parameters):
            try MessageSignature.verify(
                parameters,
                target: .init(method: method, uri: targetURI),
                hasBody: hasBody,
                publicKeyPEM: publicKeyPEM,
                value: header
            )
        }
    }
}
