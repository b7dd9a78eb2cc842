import Foundation

/// Where a site's media objects live: an S3-compatible bucket, the
/// endpoint that serves it, how it is addressed, and the prefix its keys
/// start with. Written as `s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION&path-style=true`.
public struct BucketLocation: Sendable, Equatable, CustomStringConvertible {
    public var endpoint: URL
    public var bucket: String
    public var region: String
    /// `https://endpoint/bucket/key` (MinIO, Garage, SeaweedFS) rather than `https://bucket.endpoint/key`.
    public var pathStyle: Bool
    /// Keys start with this (no leading or trailing `/`); empty for the bucket's root.
    public var prefix: String

    public init(endpoint: URL, bucket: String, region: String, pathStyle: Bool, prefix: String = "") {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.pathStyle = pathStyle
        self.prefix = prefix
    }

    /// Why a location could not be read.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Reads `s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION&path-style=true`.
    /// Without `endpoint` it is AWS's own (`https://s3.REGION.amazonaws.com`);
    /// without `region`, `us-east-1` (what MinIO, Garage and SeaweedFS accept).
    /// Credentials are never part of it.
    public init(parsing text: String) throws {
        guard let components = URLComponents(string: text), components.scheme == "s3" else {
            throw Invalid(description: "a media store in a bucket is written s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION, not \(text)")
        }
        guard components.user == nil, components.password == nil else {
            throw Invalid(description: "credentials never go in the media store's address: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        guard let bucket = components.host, Self.isBucketName(bucket) else {
            throw Invalid(description: "\(components.host ?? "(none)") is not a bucket name (3–63 lower-case letters, digits, dots and dashes)")
        }
        var options: [String: String] = [:]
        for item in components.queryItems ?? [] { options[item.name.lowercased()] = item.value ?? "" }
        let known: Set<String> = ["endpoint", "region", "path-style"]
        if let unknown = options.keys.first(where: { !known.contains($0) }) {
            throw Invalid(description: "\(unknown) is not a media store option (endpoint, region, path-style)")
        }
        let region = options["region"].flatMap { $0.isEmpty ? nil : $0 } ?? "us-east-1"
        let endpointText = options["endpoint"] ?? "https://s3.\(region).amazonaws.com"
        guard let endpoint = URL(string: endpointText), ["http", "https"].contains(endpoint.scheme ?? ""), endpoint.host != nil,
            endpoint.query == nil
        else {
            throw Invalid(description: "the endpoint \(endpointText) is not an http(s) address")
        }
        let pathStyle: Bool
        switch options["path-style"]?.lowercased() {
        case nil: pathStyle = options["endpoint"] != nil
        case "true", "1", "yes": pathStyle = true
        case "false", "0", "no": pathStyle = false
        case let other?: throw Invalid(description: "path-style is true or false, not \(other)")
        }
        let prefix = components.path.split(separator: "/").joined(separator: "/")
        self.init(endpoint: endpoint, bucket: bucket, region: region, pathStyle: pathStyle, prefix: prefix)
    }

    /// The same location written back (`media move` and the stored setting use this form).
    public var description: String {
        var text = "s3://\(bucket)" + (prefix.isEmpty ? "" : "/" + prefix)
        text += "?endpoint=\(endpoint.absoluteString)&region=\(region)&path-style=\(pathStyle)"
        return text
    }

    /// The object key of a file in the library (`originals/…`, `renditions/…`).
    public func key(_ name: String) -> String { prefix.isEmpty ? name : prefix + "/" + name }

    static func isBucketName(_ name: String) -> Bool {
        (3...63).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }
            && name.first.map { $0.isLetter || $0.isNumber } == true && name.last.map { $0.isLetter || $0.isNumber } == true
    }
}

extension AWSCredentials {
    /// The standard places, in the AWS tools' order: `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), else the profile
    /// `AWS_PROFILE` (or `default`) of the credentials file
    /// (`AWS_SHARED_CREDENTIALS_FILE`, or `~/.aws/credentials`, given as text).
    /// Nil when neither has a key.
    public static func standard(environment: [String: String], credentialsFile: String?) -> AWSCredentials? {
        if let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty {
            return AWSCredentials(
                accessKeyId: id,
                secretAccessKey: secret,
                sessionToken: environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            )
        }
        guard let credentialsFile else { return nil }
        let profile = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        var section = ""
        var values: [String: String] = [:]
        for raw in credentialsFile.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == profile, let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: equals)...]
                .trimmingCharacters(in: .whitespaces)
        }
        guard let id = values["aws_access_key_id"], !id.isEmpty, let secret = values["aws_secret_access_key"], !secret.isEmpty else { return nil }
        return AWSCredentials(accessKeyId: id, secretAccessKey: secret, sessionToken: values["aws_session_token"])
    }
}
