import Crypto
import Foundation
import Hummingbird
import MicrocastCore
import MultipartKit
import NIOCore
import NIOFileSystem

/// A file part received to disk, and the small text fields sent beside it.
struct ReceivedUpload {
    var temporaryFile: URL
    var byteCount: Int64
    var sha256: String
    var clientFileName: String?
    var fields: [String: String]
}

/// Streams a `multipart/form-data` body: the file part named `fileField` goes
/// straight to disk chunk by chunk (memory stays flat whatever the size), the
/// other parts are kept as short text fields.
enum MultipartUpload {
    static let maxFieldBytes = 64 * 1024

    static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    /// Receives the body into `destination`. On any error the partial file is removed.
    static func receive(
        body: RequestBody, boundary: String, fileField: String, destination: URL, maxBytes: Int64
    ) async throws -> ReceivedUpload {
        do {
            return try await write(body: body, boundary: boundary, fileField: fileField, destination: destination, maxBytes: maxBytes)
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
    }

    /// Parser callbacks are synchronous; they record events that the async
    /// loop below then writes, one network chunk at a time.
    private final class Events {
        enum Event {
            case header(String, String)
            case body(ByteBuffer)
            case partEnd
        }
        var pending: [Event] = []
    }

    private static func write(
        body: RequestBody, boundary: String, fileField: String, destination: URL, maxBytes: Int64
    ) async throws -> ReceivedUpload {
        let parser = MultipartParser(boundary: boundary)
        let events = Events()
        parser.onHeader = { events.pending.append(.header($0, $1)) }
        parser.onBody = { events.pending.append(.body($0)) }
        parser.onPartComplete = { events.pending.append(.partEnd) }

        var upload = ReceivedUpload(temporaryFile: destination, byteCount: 0, sha256: "", clientFileName: nil, fields: [:])
        var hasher = SHA256()
        var foundFile = false
        var headers: [String: String] = [:]
        var fieldBytes = 0
        var fieldValue = Data()

        try await FileSystem.shared.withFileHandle(
            forWritingAt: FilePath(destination.path), options: .newFile(replaceExisting: false)
        ) { handle in
            var writer = handle.bufferedWriter()
            for try await chunk in body {
                do {
                    try parser.execute(chunk)
                } catch {
                    throw MicropubError.invalidRequest("the multipart body is malformed")
                }
                let batch = events.pending
                events.pending.removeAll(keepingCapacity: true)
                for event in batch {
                    switch event {
                    case .header(let name, let value):
                        headers[name.lowercased()] = value
                    case .body(let buffer):
                        let disposition = ContentDisposition(headers["content-disposition"])
                        if disposition.name == fileField && disposition.fileName != nil && !foundFile {
                            upload.byteCount += Int64(buffer.readableBytes)
                            guard upload.byteCount <= maxBytes else {
                                throw MicropubError.tooLarge("the file is larger than the \(maxBytes / 1_048_576) MB limit")
                            }
                            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                            try await writer.write(contentsOf: buffer)
                        } else {
                            fieldBytes += buffer.readableBytes
                            guard fieldBytes <= maxFieldBytes else {
                                throw MicropubError.invalidRequest("text fields are limited to \(maxFieldBytes / 1024) KB")
                            }
                            fieldValue.append(contentsOf: buffer.readableBytesView)
                        }
                    case .partEnd:
                        let disposition = ContentDisposition(headers["content-disposition"])
                        if disposition.name == fileField && disposition.fileName != nil && !foundFile {
                            foundFile = true
                            upload.clientFileName = disposition.fileName
                        } else if let name = disposition.name, disposition.fileName == nil {
                            upload.fields[name] = String(decoding: fieldValue, as: UTF8.self)
                        }
                        headers = [:]
                        fieldValue = Data()
                    }
                }
            }
            try await writer.flush()
        }
        guard foundFile else {
            throw MicropubError.invalidRequest("the request has no file part named \"\(fileField)\"")
        }
        upload.sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return upload
    }
}

/// The `name` and `filename` of a part's Content-Disposition header.
struct ContentDisposition {
    var name: String?
    var fileName: String?

    init(_ header: String?) {
        guard let header else { return }
        for parameter in header.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            switch pair[0].lowercased() {
            case "name": name = value
            case "filename": fileName = (value as NSString).lastPathComponent
            default: break
            }
        }
    }
}
