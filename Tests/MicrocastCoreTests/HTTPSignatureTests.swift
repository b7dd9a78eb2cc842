import Foundation
import MicrocastCore
import TestSupport
import Testing

@Suite("HTTP Signatures, against an independent implementation")
struct HTTPSignatureTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fediverse/httpsig_check.py").path

    struct Signed: Decodable {
        var publicKey: String
        var headers: [String: String]
        var body: String
        var method: String
        var path: String
    }

    func signedByHTTPSig() async throws -> Signed {
        try JSONDecoder().decode(Signed.self, from: try await Fixtures.runOffPool("python3", [Self.script, "sign"]))
    }

    func verify(_ request: Signed, path: String? = nil, body: String? = nil, now: Date = Date()) throws(HTTPSignature.Refusal) {
        let lookup = Dictionary(request.headers.map { ($0.key.lowercased(), $0.value) }) { first, _ in first }
        let parameters = try HTTPSignature.parse(lookup["signature"] ?? "")
        let body = Data((body ?? request.body).utf8)
        guard HTTPSignature.bodyMatches(body, digest: lookup["digest"], contentDigest: lookup["content-digest"]) else { throw .digestMismatch }
        try HTTPSignature.verify(
            parameters,
            method: request.method,
            path: path ?? request.path,
            hasBody: true,
            publicKeyPEM: request.publicKey,
            now: now
        ) { lookup[$0] }
    }

    @Test("a request signed by httpsig (Python) verifies; the same with another path, body or time does not")
    func theirsVerifies() async throws {
        let request = try await signedByHTTPSig()
        try verify(request)
        #expect(throws: HTTPSignature.Refusal.badSignature) { try verify(request, path: "/inbox") }
        #expect(throws: HTTPSignature.Refusal.digestMismatch) { try verify(request, body: request.body + " ") }
        #expect(throws: HTTPSignature.Refusal.self) { try verify(request, now: Date().addingTimeInterval(13 * 3600)) }
        var unsigned = request
        unsigned.headers["Signature"] = nil
        unsigned.headers["signature"] = nil
        #expect(throws: HTTPSignature.Refusal.self) { try verify(unsigned) }
    }

    @Test("a request Microcast signs verifies with httpsig; a changed one does not")
    func oursVerifies() async throws {
        let keys = try ActorKeys.generate()
        let body = Data(#"{"type":"Create"}"#.utf8)
        var headers = ["Host": "remote.example", "Date": HTTPDate.format(Date()), "Digest": HTTPSignature.digest(body)]
        headers["Signature"] = try HTTPSignature.sign(
            method: "POST",
            path: "/users/ann/inbox",
            headers: headers,
            keyId: "https://site.example/actor#main-key",
            privateKeyPEM: keys.privateKey
        )
        func check(_ path: String) async throws -> String {
            let request: [String: Any] = ["publicKey": keys.publicKey, "headers": headers, "method": "POST", "path": path]
            let output = try await Fixtures.runOffPool(
                "python3",
                [Self.script, "verify"],
                stdin: try JSONSerialization.data(withJSONObject: request)
            )
            return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try await check("/users/ann/inbox") == "ok")
        #expect(try await check("/users/bob/inbox") != "ok")
    }

    @Test("the Signature header's fields, quoted or not, in any order")
    func parsing() throws {
        let parameters = try HTTPSignature.parse(
            #"signature="AAEC",headers="(request-target) host date", keyId="https://a.example/actor#main-key",algorithm=hs2019"#
        )
        #expect(parameters.keyId == "https://a.example/actor#main-key")
        #expect(parameters.headers == ["(request-target)", "host", "date"])
        #expect(parameters.algorithm == "hs2019" && parameters.signature == Data([0, 1, 2]))
        #expect(throws: HTTPSignature.Refusal.self) { try HTTPSignature.parse(#"keyId="x""#) }
    }

    @Test("Digest and Content-Digest checked against the body")
    func digests() {
        let body = Data("hello".utf8)
        #expect(HTTPSignature.bodyMatches(body, digest: HTTPSignature.digest(body), contentDigest: nil))
        #expect(HTTPSignature.bodyMatches(body, digest: nil, contentDigest: "sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:"))
        #expect(!HTTPSignature.bodyMatches(body, digest: "SHA-256=AAAA", contentDigest: nil))
        #expect(!HTTPSignature.bodyMatches(body, digest: nil, contentDigest: nil))
    }
}
