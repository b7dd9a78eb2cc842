import Foundation
import MicrocastCore
import Testing

/// `--media-store s3://…` and the credentials, as an operator writes them.
@Suite("Bucket locations and credentials")
struct BucketLocationTests {
    @Test("a self-hosted endpoint is path-style by default; AWS's own is virtual-hosted; the prefix is kept and written back")
    func parsing() throws {
        let minio = try BucketLocation(parsing: "s3://podcast-media/site-a/?endpoint=http://127.0.0.1:9000&region=eu-west-1")
        #expect(minio.bucket == "podcast-media" && minio.prefix == "site-a" && minio.region == "eu-west-1" && minio.pathStyle)
        #expect(minio.endpoint.absoluteString == "http://127.0.0.1:9000")
        #expect(minio.key("renditions/x.mp3") == "site-a/renditions/x.mp3")
        #expect(try BucketLocation(parsing: minio.description) == minio)

        let aws = try BucketLocation(parsing: "s3://my.bucket?region=ca-central-1")
        #expect(aws.endpoint.absoluteString == "https://s3.ca-central-1.amazonaws.com" && !aws.pathStyle && aws.prefix.isEmpty)
        #expect(aws.key("originals/a.jpg") == "originals/a.jpg")
        let r2 = try BucketLocation(parsing: "s3://media?endpoint=https://acct.r2.cloudflarestorage.com&region=auto&path-style=false")
        #expect(!r2.pathStyle && r2.region == "auto")
    }

    @Test("refused with a reason: another scheme, credentials in the address, a bad bucket name, an unknown option, a non-http endpoint")
    func refusals() {
        for text in [
            "https://bucket", "s3://KEY:SECRET@bucket", "s3://Bad_Bucket", "s3://ab", "s3://bucket?acl=public",
            "s3://bucket?endpoint=ftp://host", "s3://bucket?path-style=maybe",
        ] {
            #expect(throws: BucketLocation.Invalid.self, "\(text)") { try BucketLocation(parsing: text) }
        }
        let leaked = (try? BucketLocation(parsing: "s3://KEY:SECRET@bucket")).map { "\($0)" } ?? ""
        #expect(!leaked.contains("SECRET"))
    }

    @Test("credentials from the environment first, else the profile of the credentials file; none when neither has a key")
    func credentials() {
        let file = """
            # written by aws configure
            [default]
            aws_access_key_id = DEFAULTKEY
            aws_secret_access_key = default/secret

            [media]
            aws_access_key_id=MEDIAKEY
            aws_secret_access_key=media+secret
            aws_session_token = token
            """
        let fromEnvironment = AWSCredentials.standard(
            environment: ["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "env-secret"],
            credentialsFile: file
        )
        #expect(fromEnvironment == AWSCredentials(accessKeyId: "ENVKEY", secretAccessKey: "env-secret"))
        #expect(AWSCredentials.standard(environment: [:], credentialsFile: file)?.accessKeyId == "DEFAULTKEY")
        #expect(
            AWSCredentials.standard(environment: ["AWS_PROFILE": "media"], credentialsFile: file)
                == AWSCredentials(accessKeyId: "MEDIAKEY", secretAccessKey: "media+secret", sessionToken: "token")
        )
        #expect(AWSCredentials.standard(environment: ["AWS_PROFILE": "other"], credentialsFile: file) == nil)
        #expect(AWSCredentials.standard(environment: ["AWS_ACCESS_KEY_ID": "ONLYID"], credentialsFile: nil) == nil)
    }
}
