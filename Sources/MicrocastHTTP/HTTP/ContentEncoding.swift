import CBrotli
import CompressNIO
import NIOCore

/// The encodings a page or feed is kept in, chosen per request from
/// `Accept-Encoding` (RFC 9110 §12.5.3): Brotli where the client takes it
/// (smallest), else gzip, else the bytes as rendered.
enum ContentEncoding: String, Sendable, CaseIterable {
    case identity, gzip, br

    /// The best encoding `header` accepts among those on offer; `identity` when it names none of them.
    static func preferred(_ header: String?, offered: Set<ContentEncoding>) -> ContentEncoding {
        guard let header, !header.isEmpty else { return .identity }
        var weights: [String: Double] = [:]
        for element in header.split(separator: ",") {
            let parts = element.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let name = parts.first, !name.isEmpty else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                weight = Double(parameter.dropFirst(2)) ?? 0
            }
            weights[name == "x-gzip" ? "gzip" : name] = weight
        }
        func accepts(_ encoding: ContentEncoding) -> Bool {
            offered.contains(encoding) && (weights[encoding.rawValue] ?? weights["*"] ?? 0) > 0
        }
        if accepts(.br) { return .br }
        if accepts(.gzip) { return .gzip }
        return .identity
    }

    /// Whether a body of this type is worth compressing: text, XML, JSON, and
    /// long enough to gain more than the headers cost.
    static func isCompressible(contentType: String, bytes: Int) -> Bool {
        let type = contentType.lowercased()
        let textual =
            type.hasPrefix("text/") || type.contains("xml") || type.contains("json") || type.hasPrefix("application/javascript")
        return textual && bytes >= 512
    }

    /// `body` compressed: gzip at zlib's default level, Brotli at quality 5
    /// (most of Brotli's gain at a speed near gzip's; done once per rendering).
    func compress(_ body: ByteBuffer) throws -> ByteBuffer {
        switch self {
        case .identity:
            return body
        case .gzip:
            var input = body
            return try input.compress(with: .gzip())
        case .br:
            return try Self.brotli(body)
        }
    }

    struct CompressionFailed: Error {}

    /// Brotli's one-shot encoder, the only call into libbrotlienc.
    static func brotli(_ body: ByteBuffer) throws -> ByteBuffer {
        let limit = BrotliEncoderMaxCompressedSize(body.readableBytes)
        guard limit > 0 else { throw CompressionFailed() }
        var output = ByteBuffer()
        try body.withUnsafeReadableBytes { input in
            try output.writeWithUnsafeMutableBytes(minimumWritableBytes: limit) { destination in
                var written = destination.count
                let ok = BrotliEncoderCompress(
                    5,
                    BROTLI_DEFAULT_WINDOW,
                    BROTLI_MODE_TEXT,
                    input.count,
                    input.bindMemory(to: UInt8.self).baseAddress,
                    &written,
                    destination.bindMemory(to: UInt8.self).baseAddress
                )
                guard ok == BROTLI_TRUE else { throw CompressionFailed() }
                return written
            }
        }
        return output
    }
}
