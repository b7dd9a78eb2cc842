import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs MultipartKit's own state machine, byte for byte, ahead of its
/// parser, to refuse a part header whose name holds a byte above 0x7F.
///
/// MultipartKit 4.7.1 looks such a byte up in a 128-entry table and traps
/// (`isAllowedHeaderFieldNameCharacter`): one request would stop the server.
/// Our fuzz harness found it. The states and their moves below copy
/// `MultipartParser`'s (preamble, headers, body, boundary), so the guard
/// knows exactly when the parser is reading a header name; where the parser
/// would refuse the body itself, the guard stops and lets it. Remove this
/// once the parser checks the byte.
struct HeaderNameGuard {
    private enum State {
        case preamble(Int)
        /// Expecting the CRLF before headers: `true` once its CR has come.
        case preHeaders(sawCR: Bool)
        case headerName(empty: Bool)
        case headerValue
        case postHeaderValue
        case postHeaders
        case body
        case boundary(Int)
        /// After the closing delimiter, or where the parser itself will throw.
        case finished
    }

    private let delimiter: [UInt8]
    private var state = State.preamble(0)

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    /// False if `chunk` puts a byte above 0x7F where the parser reads a header name.
    mutating func accepts(_ chunk: ByteBuffer) -> Bool {
        chunk.withUnsafeReadableBytes { bytes in accepts(bytes) }
    }

    /// Byte by byte, except through a part's body, where it jumps from CR to
    /// CR (`memchr`): file parts are megabytes, and only a CR can start a delimiter.
    private mutating func accepts(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            if case .body = state {
                // The parser passes everything up to a CR to the body, then matches the delimiter from it.
                guard let found = memchr(base + offset, Int32(cr), bytes.count - offset) else { return true }
                offset = base.distance(to: UnsafeRawPointer(found))
                state = .boundary(0)
                continue
            }
            let byte = bytes[offset]
            offset += 1
            switch state {
            case .preamble(var index):
                if index == 0, byte == delimiter[2] {
                    index = 3
                } else if byte == delimiter[index] {
                    index += 1
                } else if index > 0, byte == delimiter[0] {
                    index = 1
                } else {
                    index = 0
                }
                state = index >= delimiter.count ? .preHeaders(sawCR: false) : .preamble(index)
            case .preHeaders(let sawCR):
                if !sawCR, byte == cr {
                    state = .preHeaders(sawCR: true)
                } else if sawCR, byte == lf {
                    state = .headerName(empty: true)
                } else {
                    state = .finished
                }
            case .headerName(let empty):
                if byte == UInt8(ascii: ":"), !empty {
                    state = .headerValue
                } else if byte == cr, empty {
                    state = .postHeaders
                } else if byte >= 0x80 {
                    return false
                } else {
                    // The parser takes allowed characters and throws on the rest; either way no trap.
                    state = .headerName(empty: false)
                }
            case .headerValue:
                if byte == cr { state = .postHeaderValue }
            case .postHeaderValue:
                state = byte == lf ? .headerName(empty: true) : .finished
            case .postHeaders:
                state = byte == lf ? .body : .finished
            case .boundary(let index):
                if index >= delimiter.count {
                    state = byte == cr ? .preHeaders(sawCR: true) : .finished
                } else if byte == delimiter[index] {
                    state = .boundary(index + 1)
                } else {
                    state = byte == delimiter[0] ? .boundary(1) : .body
                }
            case .body:
                break
            case .finished:
                return true
            }
        }
        return true
    }
}
