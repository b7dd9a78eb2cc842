import Foundation
import MicrocastCore
import TestSupport
import Testing

@Suite("RFC 9421 HTTP Message Signatures, against an independent implementation")
struct MessageSignatureTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fediverse/message_signature_check.py").path

    struct Signed: Decodable {
        var publicKey: String
        var method: String
        var url: String
        var headers: [String: String]
        var body: String

        var lookup: [String: String] { Dictionary(headers.map { ($0.key.lowercased(), $0.value) }) { first, _ in first } }
    }

    func signed(_ kind: String) async throws -> Signed {
        try JSONDecoder().decode(Signed.self, from: try await Fixtures.runOffPool("python3", [Self.script, kind]))
    }

    func verify(_ request: Signed, url: String? = nil, method: String? = nil, now: Date = Date()) throws(HTTPSignature.Refusal) {
        let lookup = request.lookup
        let parameters = try MessageSignature.parse(signatureInput: lookup["signature-input"] ?? "", signature: lookup["signature"] ?? "")
        try MessageSignature.verify(
            parameters,
            target: .init(method: method ?? request.method, uri: url ?? request.url),
            hasBody: !request.body.isEmpty,
            publicKeyPEM: request.publicKey,
            now: now
        ) { lookup[$0] }
    }

    @Test("a POST signed by http-message-signatures verifies, its Content-Digest matches its body; another target, method or time does not")
    func post() async throws {
        let request = try await signed("post")
        let parameters = try MessageSignature.parse(
            signatureInput: request.lookup["signature-input"] ?? "",
            signature: request.lookup["signature"] ?? ""
        )
        #expect(
            parameters.keyId == "https://remote.example/users/ann#main-key" && parameters.components == ["@method", "@target-uri", "content-digest"]
        )
        try verify(request)
        #expect(HTTPSignature.bodyMatches(Data(request.body.utf8), digest: nil, contentDigest: request.lookup["content-digest"]))
        #expect(!HTTPSignature.bodyMatches(Data((request.body + " ").utf8), digest: nil, contentDigest: request.lookup["content-digest"]))
        #expect(throws: HTTPSignature.Refusal.badSignature) { try verify(request, url: "https://site.example/inbox") }
        #expect(throws: HTTPSignature.Refusal.badSignature) { try verify(request, method: "PUT") }
        #expect {
            try verify(request, now: Date().addingTimeInterval(13 * 3600))
        } throws: { error in
            guard case .stale = error as? HTTPSignature.Refusal else { return false }
            return true
        }
    }

    @Test("a signed GET (secure mode) verifies with its query; a POST must cover its digest; other algorithms are refused by name")
    func getAndRules() async throws {
        let request = try await signed("get")
        try verify(request)
        #expect(throws: HTTPSignature.Refusal.badSignature) { try verify(request, url: "https://site.example/actor/outbox?page=3") }
        let parameters = try MessageSignature.parse(
            signatureInput: request.lookup["signature-input"] ?? "",
            signature: request.lookup["signature"] ?? ""
        )
        #expect(throws: HTTPSignature.Refusal.headerNotSigned("content-digest")) {
            try MessageSignature.verify(parameters, target: .init(method: "GET", uri: request.url), hasBody: true, publicKeyPEM: request.publicKey) {
                request.lookup[$0]
            }
        }
        var other = parameters
        other.algorithm = "hmac-sha256"
        #expect(throws: HTTPSignature.Refusal.unsupportedAlgorithm("hmac-sha256 (rsa-v1_5-sha256 is)")) {
            try MessageSignature.verify(other, target: .init(method: "GET", uri: request.url), hasBody: false, publicKeyPEM: request.publicKey) {
                request.lookup[$0]
            }
        }
    }

    @Test("the fields are read as RFC 8941 has them: labels, inner lists, parameters in order, byte sequences; malformed ones are refused")
    func fields() throws {
        let parameters = try MessageSignature.parse(
            signatureInput:
                #"sig0=("@method");created=1, sig1=("@method" "@authority" "@path" "date");created=1700000000;keyid="k\"1";alg="rsa-v1_5-sha256""#,
            signature: "sig1=:AAEC:"
        )
        #expect(parameters.label == "sig1" && parameters.keyId == #"k"1"# && parameters.created == 1_700_000_000)
        #expect(parameters.signature == Data([0, 1, 2]))
        let base = try MessageSignature.base(parameters, target: .init(method: "POST", uri: "https://Site.example:8443/inbox?x=1")) {
            $0 == "date" ? " Tue, 07 Jun 2014 20:51:35 GMT " : nil
        }
        #expect(
            base == """
                "@method": POST
                "@authority": site.example:8443
                "@path": /inbox
                "date": Tue, 07 Jun 2014 20:51:35 GMT
                "@signature-params": ("@method" "@authority" "@path" "date");created=1700000000;keyid="k\\"1";alg="rsa-v1_5-sha256"
                """
        )
        for (input, signature) in [
            (#"sig1=("@method";sf);keyid="k""#, "sig1=:AA==:"), (#"sig1=("@method"#, "sig1=:AA==:"), (#"sig1=("@method");keyid="k""#, "sig2=:AA==:"),
            (#"sig1=("@method");created=1"#, "sig1=:AA==:"), (#"sig1=("@method");keyid="k""#, "sig1=:not base64!:"),
        ] {
            #expect(throws: HTTPSignature.Refusal.self, "\(input) \(signature)") {
                try MessageSignature.parse(signatureInput: input, signature: signature)
            }
        }
    }
}
