import Crypto
import Foundation
import Hummingbird
import MicrocastCore
import MultipartKit
import NIOCore
import NIOFileSystem

/// A file part received to disk.
struct ReceivedFile {
    /// The part's name without a trailing `[]`.
    var field: String
    var temporaryFile: URL
    var byteCount: Int64
    var sha256: String
    var clientFileName: String?
}

/// A multipart body: its file parts on disk and its text parts, in order.
struct ReceivedForm {
    var files: [ReceivedFile] = []
    var fields: [(name: String, value: String)] = []

    func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Removes every received file that was not adopted.
    func discard() {
        for file in files { try? FileManager.default.removeItem(at: file.temporaryFile) }
    }
}

/// Streams a `multipart/form-data` body: file parts go straight to disk chunk
/// by chunk (memory stays flat whatever their size), other parts are kept as
/// short text fields.
enum MultipartUpload {
    static let maxFieldBytes = 1 << 20
    static let maxFiles = 20
    /// One part's headers: a browser or client sends a few hundred bytes.
    static let maxHeaderBytes = 16 << 10
    static let maxParts = 200

    /// Checks the credentials a body carries, once, before its first file
    /// part is written: called with the `access_token` field if one came
    /// before the file (nil if none did), it throws to refuse the request.
    typealias FileGate = @Sendable (_ accessToken: String?) async throws -> Void

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

    /// Receives the body; parts named in `fileFields` (with or without `[]`)
    /// that carry a file name are written under `library.uploads`. On any
    /// error every partial file is removed. `maxBytes` bounds all files together.
    /// `beforeFiles`, when given, runs before any file reaches the disk: a
    /// request without credentials is refused at its first file part, not
    /// after its whole body has been stored.
    static func receive(
        body: RequestBody,
        boundary: String,
        fileFields: Set<String>,
        library: MediaLibrary,
        maxBytes: Int64,
        beforeFiles: FileGate? = nil
    ) async throws -> ReceivedForm {
        var receiver = Receiver(fileFields: fileFields, library: library, maxBytes: maxBytes, gate: beforeFiles)
        do {
            try await receiver.consume(body: body, boundary: boundary)
            return receiver.form
        } catch {
            await receiver.abandon()
            throw error
        }
    }

    /// Parser callbacks are synchronous; they record events that the async
    /// loop then writes, one network chunk at a time.
    private final class Events {
        enum Event {
            case header(String, String)
            case body(ByteBuffer)
            case partEnd
        }
        var pending: [Event] = []
    }

    private struct OpenFile {
        var file: ReceivedFile
        var handle: WriteFileHandle
        var writer: BufferedWriter<WriteFileHandle>
        var hasher = SHA256()
    }

    private struct Receiver {
        let fileFields: Set<String>
        let library: MediaLibrary
        let maxBytes: Int64
        var form = ReceivedForm()
        var open: OpenFile?
        var headers: [String: String] = [:]
        var fieldValue = Data()
        var fieldBytes = 0
        var fileBytes: Int64 = 0
        var gate: FileGate?
        /// Bytes parsed since the current part's headers began, while no body
        /// has come: the parser's header handling is quadratic in their length.
        var headerBytes = 0
        var inHeaders = true
        var parts = 0
        /// The current part's disposition, parsed once at its first body chunk:
        /// parsing it per chunk once held uploads to 11 MB/s.
        var partInfo: PartInfo?

        init(fileFields: Set<String>, library: MediaLibrary, maxBytes: Int64, gate: FileGate?) {
            self.fileFields = fileFields
            self.library = library
            self.maxBytes = maxBytes
            self.gate = gate
        }

        /// Runs the gate once, before the first file part is stored.
        mutating func passGate() async throws {
            guard let gate else { return }
            self.gate = nil
            try await gate(form.field("access_token"))
        }

        mutating func consume(body: RequestBody, boundary: String) async throws {
            let parser = MultipartParser(boundary: boundary)
            let events = Events()
            parser.onHeader = { events.pending.append(.header($0, $1)) }
            parser.onBody = { events.pending.append(.body($0)) }
            parser.onPartComplete = { events.pending.append(.partEnd) }
            var refused: (any Error)?
            var lingerUntil = ContinuousClock.now
            for try await chunk in body {
                // A refused sender's body is read and dropped for a few seconds
                // (as nginx's lingering close does): closing on unread data makes
                // the kernel reset the connection, and the client would lose the answer.
                if let refused {
                    if ContinuousClock.now > lingerUntil { throw refused }
                    continue
                }
                // Counted before parsing, with room for one network read
                // (64 KB here) of body after the headers, so no header is
                // ever parsed far past the limit.
                if inHeaders {
                    headerBytes += chunk.readableBytes
                    guard headerBytes <= MultipartUpload.maxHeaderBytes + 256 << 10 else {
                        throw MicropubError.invalidRequest("a part's headers are limited to \(MultipartUpload.maxHeaderBytes / 1024) KB")
                    }
                }
                do {
                    try parser.execute(chunk)
                } catch {
                    throw MicropubError.invalidRequest("the multipart body is malformed")
                }
                let batch = events.pending
                events.pending.removeAll(keepingCapacity: true)
                for event in batch where refused == nil {
                    switch event {
                    case .header(let name, let value):
                        guard name.utf8.count + value.utf8.count <= MultipartUpload.maxHeaderBytes else {
                            throw MicropubError.invalidRequest("a part's headers are limited to \(MultipartUpload.maxHeaderBytes / 1024) KB")
                        }
                        headers[name.lowercased()] = value
                    case .body(let buffer):
                        inHeaders = false
                        do {
                            try await bodyChunk(buffer)
                        } catch let error as MicropubError where error.status == 401 || error.status == 403 {
                            refused = error
                            lingerUntil = ContinuousClock.now + .seconds(5)
                        }
                    case .partEnd:
                        parts += 1
                        guard parts <= MultipartUpload.maxParts else {
                            throw MicropubError.invalidRequest("at most \(MultipartUpload.maxParts) parts per request")
                        }
                        try await partEnd()
                        inHeaders = true
                        headerBytes = 0
                    }
                }
            }
            if let refused { throw refused }
            if open != nil { throw MicropubError.invalidRequest("the multipart body ended inside a part") }
        }

        struct PartInfo {
            /// The field name, without `[]`.
            var name: String?
            /// Whether the part is a file in a field we take.
            var isFile: Bool
            var fileName: String?
        }

        mutating func currentPart() -> PartInfo {
            if let partInfo { return partInfo }
            let disposition = ContentDisposition(headers["content-disposition"])
            let name = disposition.name.map { $0.hasSuffix("[]") ? String($0.dropLast(2)) : $0 }
            let isFile = disposition.fileName != nil && name.map(fileFields.contains) == true
            let info = PartInfo(name: name, isFile: isFile, fileName: disposition.fileName)
            partInfo = info
            return info
        }

        mutating func bodyChunk(_ buffer: ByteBuffer) async throws {
            let part = currentPart()
            guard part.isFile, let field = part.name else {
                fieldBytes += buffer.readableBytes
                guard fieldBytes <= MultipartUpload.maxFieldBytes else {
                    throw MicropubError.invalidRequest("text fields are limited to \(MultipartUpload.maxFieldBytes / 1024) KB")
                }
                fieldValue.append(contentsOf: buffer.readableBytesView)
                return
            }
            if open == nil {
                try await passGate()
                guard form.files.count < MultipartUpload.maxFiles else {
                    throw MicropubError.invalidRequest("at most \(MultipartUpload.maxFiles) files per request")
                }
                let path = library.newUploadPath()
                let handle = try await FileSystem.shared.openFile(
                    forWritingAt: FilePath(path.path),
                    options: .newFile(replaceExisting: false)
                )
                open = OpenFile(
                    file: ReceivedFile(field: field, temporaryFile: path, byteCount: 0, sha256: "", clientFileName: part.fileName),
                    handle: handle,
                    writer: handle.bufferedWriter()
                )
            }
            fileBytes += Int64(buffer.readableBytes)
            guard fileBytes <= maxBytes else {
                throw MicropubError.tooLarge("the upload is larger than the \(maxBytes / 1_048_576) MB limit")
            }
            // Taken out while written (one reference, so the writer's buffer is
            // never copied: a copy per chunk once cut uploads to 2 MB/s), and
            // put back even if the write fails, for `abandon` to close.
            guard var file = open.take() else { return }
            defer { open = file }
            file.file.byteCount += Int64(buffer.readableBytes)
            buffer.withUnsafeReadableBytes { file.hasher.update(bufferPointer: $0) }
            try await file.writer.write(contentsOf: buffer)
        }

        mutating func partEnd() async throws {
            let part = currentPart()
            if part.isFile, let field = part.name {
                // A file part with no bytes never opened a file; it is recorded
                // empty (and refused as such) without one.
                if open == nil {
                    try await passGate()
                    form.files.append(
                        ReceivedFile(
                            field: field,
                            temporaryFile: library.newUploadPath(),
                            byteCount: 0,
                            sha256: "",
                            clientFileName: part.fileName
                        )
                    )
                } else if var finished = open {
                    // Still `open` until closed, so a failure here leaves it for `abandon`.
                    try await finished.writer.flush()
                    try await finished.handle.close()
                    open = nil
                    finished.file.sha256 = finished.hasher.finalize().hexString
                    form.files.append(finished.file)
                }
            } else if let name = part.name {
                form.fields.append((name, String(decoding: fieldValue, as: UTF8.self)))
            }
            headers = [:]
            partInfo = nil
            fieldValue = Data()
        }

        func abandon() async {
            if let open {
                // A request whose client went away is cancelled, and a cancelled
                // task's file operations do not run: the handle would leak (a
                // fatal error in NIO's file system). The close runs in a task of its own.
                let handle = open.handle
                await Task.detached { try? await handle.close() }.value
                try? FileManager.default.removeItem(at: open.file.temporaryFile)
            }
            form.discard()
        }
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
