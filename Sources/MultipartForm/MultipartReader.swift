import Foundation
import MicrocastCore
import MultipartKit
import NIOCore

/// What a `multipart/form-data` body has said so far, in order, already
/// checked against the limits. File bytes are handed on as they arrive, so
/// the caller can write them to disk and memory stays flat.
public enum FormEvent {
    /// A complete text part.
    case field(name: String, value: String)
    /// A file part in one of the fields we take begins; `field` has no `[]`.
    case fileBegin(field: String, fileName: String?)
    case fileBytes(ByteBuffer)
    /// The file part begun last is complete (it may have had no bytes).
    case fileEnd
}

/// The most one body may hold.
public struct FormLimits: Sendable {
    /// All text fields together.
    public var maxFieldBytes = 1 << 20
    public var maxFiles = 20
    /// One part's headers: a browser or client sends a few hundred bytes.
    public var maxHeaderBytes = 16 << 10
    public var maxParts = 200
    /// All files together.
    public var maxFileBytes: Int64

    public init(maxFileBytes: Int64) { self.maxFileBytes = maxFileBytes }
}

/// Reads a `multipart/form-data` body chunk by chunk (MultipartKit's
/// parser), keeps text parts, passes file parts on as events, and refuses
/// the body with a Micropub error the moment it passes a limit. No I/O: the
/// server writes the files, the fuzz harness just reads the events.
public struct MultipartReader {
    public let limits: FormLimits
    private let fileFields: Set<String>
    private let parser: MultipartParser
    private var guardian: HeaderNameGuard
    private let callbacks = Callbacks()

    private var headers: [String: String] = [:]
    private var part: PartInfo?
    private var fieldValue = Data()
    private var fieldBytes = 0
    private var fileBytes: Int64 = 0
    private var files = 0
    private var parts = 0
    /// Bytes read since the current part's headers began, while no body has
    /// come: MultipartKit's header handling is quadratic in their length.
    private var headerBytes = 0
    private var inHeaders = true
    private var insideFile = false

    /// Parser callbacks are synchronous; they record what the parser saw,
    /// which `read` then checks and turns into events.
    private final class Callbacks {
        enum Raw {
            case header(String, String)
            case body(ByteBuffer)
            case partEnd
        }
        var pending: [Raw] = []
    }

    /// `fileFields` names the parts (with or without `[]`) taken as files
    /// when they carry a file name; any other part is a text field.
    public init(boundary: String, fileFields: Set<String>, limits: FormLimits) {
        self.limits = limits
        self.fileFields = fileFields
        parser = MultipartParser(boundary: boundary)
        guardian = HeaderNameGuard(boundary: boundary)
        let callbacks = callbacks
        parser.onHeader = { callbacks.pending.append(.header($0, $1)) }
        parser.onBody = { callbacks.pending.append(.body($0)) }
        parser.onPartComplete = { callbacks.pending.append(.partEnd) }
    }

    /// The events in the next chunk of the body.
    public mutating func read(_ chunk: ByteBuffer) throws(MicropubError) -> [FormEvent] {
        // Counted before parsing, with room for one network read (64 KB) of
        // body after the headers, so no header is ever parsed far past the limit.
        if inHeaders {
            headerBytes += chunk.readableBytes
            guard headerBytes <= limits.maxHeaderBytes + 256 << 10 else { throw headersTooLong }
        }
        guard guardian.accepts(chunk) else { throw .invalidRequest("a part's header name is not ASCII") }
        do {
            try parser.execute(chunk)
        } catch {
            throw .invalidRequest("the multipart body is malformed")
        }
        let raw = callbacks.pending
        callbacks.pending.removeAll(keepingCapacity: true)
        var events: [FormEvent] = []
        for item in raw {
            switch item {
            case .header(let name, let value):
                guard name.utf8.count + value.utf8.count <= limits.maxHeaderBytes else { throw headersTooLong }
                headers[name.lowercased()] = value
            case .body(let buffer):
                inHeaders = false
                try body(buffer, into: &events)
            case .partEnd:
                parts += 1
                guard parts <= limits.maxParts else { throw .invalidRequest("at most \(limits.maxParts) parts per request") }
                try partEnd(into: &events)
                inHeaders = true
                headerBytes = 0
            }
        }
        return events
    }

    /// Checks that the body did not stop inside a file.
    public func finish() throws(MicropubError) {
        if insideFile { throw .invalidRequest("the multipart body ended inside a part") }
    }

    private var headersTooLong: MicropubError {
        .invalidRequest("a part's headers are limited to \(limits.maxHeaderBytes / 1024) KB")
    }

    private struct PartInfo {
        /// The field name, without `[]`.
        var name: String?
        /// Whether the part is a file in a field we take.
        var isFile: Bool
        var fileName: String?
    }

    /// The current part's disposition, parsed once at its first body chunk:
    /// parsing it per chunk once held uploads to 11 MB/s.
    private mutating func currentPart() -> PartInfo {
        if let part { return part }
        let disposition = ContentDisposition(headers["content-disposition"])
        let name = disposition.name.map { $0.hasSuffix("[]") ? String($0.dropLast(2)) : $0 }
        let isFile = disposition.fileName != nil && name.map(fileFields.contains) == true
        let info = PartInfo(name: name, isFile: isFile, fileName: disposition.fileName)
        part = info
        return info
    }

    private mutating func beginFile(_ part: PartInfo, field: String, into events: inout [FormEvent]) throws(MicropubError) {
        guard files < limits.maxFiles else { throw .invalidRequest("at most \(limits.maxFiles) files per request") }
        files += 1
        insideFile = true
        events.append(.fileBegin(field: field, fileName: part.fileName))
    }

    private mutating func body(_ buffer: ByteBuffer, into events: inout [FormEvent]) throws(MicropubError) {
        let part = currentPart()
        guard part.isFile, let field = part.name else {
            fieldBytes += buffer.readableBytes
            guard fieldBytes <= limits.maxFieldBytes else {
                throw .invalidRequest("text fields are limited to \(limits.maxFieldBytes / 1024) KB")
            }
            fieldValue.append(contentsOf: buffer.readableBytesView)
            return
        }
        if !insideFile { try beginFile(part, field: field, into: &events) }
        fileBytes += Int64(buffer.readableBytes)
        guard fileBytes <= limits.maxFileBytes else {
            throw .tooLarge("the upload is larger than the \(limits.maxFileBytes / 1_048_576) MB limit")
        }
        events.append(.fileBytes(buffer))
    }

    private mutating func partEnd(into events: inout [FormEvent]) throws(MicropubError) {
        let part = currentPart()
        if part.isFile, let field = part.name {
            // A file part with no bytes is still a file (refused later as empty).
            if !insideFile { try beginFile(part, field: field, into: &events) }
            insideFile = false
            events.append(.fileEnd)
        } else if let name = part.name {
            events.append(.field(name: name, value: String(decoding: fieldValue, as: UTF8.self)))
        }
        headers = [:]
        self.part = nil
        fieldValue = Data()
    }

    /// The boundary of a `multipart/form-data` content type, or nil for any other type.
    public static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                // RFC 2046: 1 to 70 characters. MultipartKit traps on an empty one.
                let boundary = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(boundary.utf8.count) ? boundary : nil
            }
        }
        return nil
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
