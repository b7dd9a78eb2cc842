import Foundation

/// A `multipart/form-data` body, built the way clients send one: text fields
/// and files, each a part, then the closing boundary.
public struct MultipartBody: Sendable {
    public let boundary: String
    private var parts = Data()

    public init(boundary: String = "----microcast-test-\(UUID().uuidString)") { self.boundary = boundary }

    /// The request's `Content-Type`.
    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public mutating func add(field name: String, value: String) {
        parts.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
    }

    public mutating func add(file bytes: Data, field name: String, fileName: String, contentType: String = "application/octet-stream") {
        parts.append(
            Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"\r\nContent-Type: \(contentType)\r\n\r\n"
                    .utf8
            )
        )
        parts.append(bytes)
        parts.append(Data("\r\n".utf8))
    }

    public mutating func add(file: URL, field name: String, fileName: String? = nil, contentType: String = "application/octet-stream") throws {
        add(file: try Data(contentsOf: file), field: name, fileName: fileName ?? file.lastPathComponent, contentType: contentType)
    }

    /// The whole body, closing boundary included.
    public var data: Data { parts + Data("--\(boundary)--\r\n".utf8) }
}
