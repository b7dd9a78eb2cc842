import Crypto
import Foundation
import MicrocastCore
import Testing

/// AWS Signature Version 4 against the published vectors: the SigV4 test
/// suite's `get-vanilla` and `post-vanilla`, and the worked examples of
/// Amazon S3's API reference ("Signature Calculations for the Authorization
/// Header", "Authenticating Requests: Using Query Parameters").
@Suite("AWS Signature Version 4")
struct SigV4Tests {
    static let suite = SigV4Signer(
        credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1",
        service: "service"
    )
    static let suiteTime = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let s3 = SigV4Signer(
        credentials: AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1"
    )
    static let s3Time = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let bucketHost = "examplebucket.s3.amazonaws.com"

    static func authorization(_ headers: [(String, String)]) -> String {
        headers.first { $0.0 == "Authorization" }?.1 ?? ""
    }

    @Test("the test suite's get-vanilla and post-vanilla")
    func vanilla() {
        for (method, signature) in [
            ("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
            ("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ] {
            let request = SigV4Signer.Request(
                method: method,
                path: "/",
                headers: [("Host", "example.amazonaws.com")],
                payloadHash: SigV4Signer.emptyPayloadHash
            )
            let headers = Self.suite.headers(for: request, at: Self.suiteTime)
            #expect(headers.first { $0.0 == "x-amz-date" }?.1 == "20150830T123600Z")
            #expect(
                Self.authorization(headers)
                    == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(signature)"
            )
        }
    }

    @Test("S3's GET Object with a range, PUT Object with a key needing encoding, GET ?lifecycle, and a listing's sorted query")
    func s3Examples() {
        let getObject = Self.s3.headers(
            for: .init(
                method: "GET",
                path: "/test.txt",
                headers: [("Host", Self.bucketHost), ("Range", "bytes=0-9")],
                payloadHash: SigV4Signer.emptyPayloadHash
            ),
            at: Self.s3Time
        )
        #expect(
            Self.authorization(getObject)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )

        let body = Data("Welcome to Amazon S3.".utf8)
        let bodyHash = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        #expect(bodyHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let putObject = Self.s3.headers(
            for: .init(
                method: "PUT",
                path: "/" + SigV4Signer.uriEncode("test$file.text", encodingSlash: false),
                headers: [("Host", Self.bucketHost), ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
                payloadHash: bodyHash
            ),
            at: Self.s3Time
        )
        #expect(Self.authorization(putObject).contains("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"))
        #expect(Self.authorization(putObject).hasSuffix("Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"))

        let lifecycle = Self.s3.headers(
            for: .init(
                method: "GET",
                path: "/",
                query: [("lifecycle", "")],
                headers: [("Host", Self.bucketHost)],
                payloadHash: SigV4Signer.emptyPayloadHash
            ),
            at: Self.s3Time
        )
        #expect(Self.authorization(lifecycle).hasSuffix("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"))

        // Given out of order: the canonical query sorts it.
        let listing = Self.s3.headers(
            for: .init(
                method: "GET",
                path: "/",
                query: [("prefix", "J"), ("max-keys", "2")],
                headers: [("Host", Self.bucketHost)],
                payloadHash: SigV4Signer.emptyPayloadHash
            ),
            at: Self.s3Time
        )
        #expect(Self.authorization(listing).hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))
    }

    @Test("S3's presigned GET URL, valid a day")
    func presigned() {
        let query = Self.s3.presignedQuery(method: "GET", path: "/test.txt", host: Self.bucketHost, expires: 86400, at: Self.s3Time)
        #expect(query.first { $0.0 == "X-Amz-Signature" }?.1 == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(query.first { $0.0 == "X-Amz-Credential" }?.1 == "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request")
    }

    @Test("URI encoding: unreserved kept, everything else percent-encoded in upper case, a path's slashes kept; the secret never in a description")
    func encoding() {
        #expect(SigV4Signer.uriEncode("a b/c~d-e_f.g$é", encodingSlash: true) == "a%20b%2Fc~d-e_f.g%24%C3%A9")
        #expect(SigV4Signer.uriEncode("media/r/x y.mp3", encodingSlash: false) == "media/r/x%20y.mp3")
        let credentials = AWSCredentials(accessKeyId: "AKID", secretAccessKey: "very-secret")
        #expect(!"\(credentials)".contains("very-secret") && !String(reflecting: credentials).contains("very-secret"))
    }
}
