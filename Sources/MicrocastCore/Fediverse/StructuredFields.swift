import Foundation

/// The part of RFC 8941 Structured Field Values that RFC 9421's
/// `Signature-Input` and `Signature` use: a dictionary whose members are
/// items or inner lists, with parameters; items that are integers, strings,
/// tokens, byte sequences or booleans.
struct StructuredFields {
    indirect enum Value: Equatable {
        case integer(Int)
        case string(String)
        case token(String)
        case bytes(Data)
        case boolean(Bool)
        case innerList([Value], [(String, Value)])

        static func == (a: Value, b: Value) -> Bool { a.serialised == b.serialised }

        /// The value as RFC 8941 serialises it.
        var serialised: String {
            switch self {
            case .integer(let number): String(number)
            case .string(let text): "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            case .token(let text): text
            case .bytes(let data): ":" + data.base64EncodedString() + ":"
            case .boolean(let flag): flag ? "?1" : "?0"
            case .innerList(let items, let parameters):
                "(" + items.map(\.serialised).joined(separator: " ") + ")" + parameters.map { ";\($0.0)=\($0.1.serialised)" }.joined()
            }
        }
    }

    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpaces() {
        while let byte = current, byte == 0x20 || byte == 0x09 { index += 1 }
    }

    /// The whole field as a dictionary, members in order.
    mutating func dictionary() throws(HTTPSignature.Refusal) -> [(String, Value)] {
        var members: [(String, Value)] = []
        skipSpaces()
        while current != nil {
            let key = try self.key()
            var value: Value = .boolean(true)
            if current == UInt8(ascii: "=") {
                index += 1
                value = try member()
            } else {
                _ = try parameters()
            }
            members.append((key, value))
            skipSpaces()
            guard current != nil else { break }
            guard current == UInt8(ascii: ",") else { throw .unreadable("expected a comma between members") }
            index += 1
            skipSpaces()
            guard current != nil else { throw .unreadable("a trailing comma") }
        }
        return members
    }

    private mutating func member() throws(HTTPSignature.Refusal) -> Value {
        guard current == UInt8(ascii: "(") else {
            let item = try bareItem()
            _ = try parameters()
            return item
        }
        index += 1
        var items: [Value] = []
        while true {
            skipSpaces()
            guard let byte = current else { throw .unreadable("an inner list does not end") }
            if byte == UInt8(ascii: ")") {
                index += 1
                break
            }
            items.append(try bareItem())
            // Parameters on a component (`;sf`, `;key=`) are not taken.
            guard try parameters().isEmpty else { throw .unreadable("component parameters are not supported") }
            guard current == UInt8(ascii: " ") || current == UInt8(ascii: ")") else { throw .unreadable("expected a space in an inner list") }
        }
        return .innerList(items, try parameters())
    }

    private mutating func parameters() throws(HTTPSignature.Refusal) -> [(String, Value)] {
        var found: [(String, Value)] = []
        while current == UInt8(ascii: ";") {
            index += 1
            skipSpaces()
            let name = try key()
            var value: Value = .boolean(true)
            if current == UInt8(ascii: "=") {
                index += 1
                value = try bareItem()
            }
            found.append((name, value))
        }
        return found
    }

    private mutating func key() throws(HTTPSignature.Refusal) -> String {
        let start = index
        while let byte = current, (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || "_-.*".utf8.contains(byte) { index += 1 }
        guard index > start else { throw .unreadable("expected a key") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func bareItem() throws(HTTPSignature.Refusal) -> Value {
        guard let byte = current else { throw .unreadable("expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            index += 1
            var text: [UInt8] = []
            while true {
                guard let next = current else { throw .unreadable("a string does not end") }
                index += 1
                if next == UInt8(ascii: "\"") { break }
                if next == UInt8(ascii: "\\") {
                    guard let escaped = current, escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else {
                        throw .unreadable("a bad escape in a string")
                    }
                    index += 1
                    text.append(escaped)
                } else {
                    guard (0x20...0x7E).contains(next) else { throw .unreadable("a string holds a control character") }
                    text.append(next)
                }
            }
            return .string(String(decoding: text, as: UTF8.self))
        case UInt8(ascii: ":"):
            index += 1
            let start = index
            while let next = current, next != UInt8(ascii: ":") { index += 1 }
            guard current != nil, let data = Data(base64Encoded: String(decoding: bytes[start..<index], as: UTF8.self)) else {
                throw .unreadable("a byte sequence is not base64")
            }
            index += 1
            return .bytes(data)
        case UInt8(ascii: "?"):
            index += 1
            defer { index += 1 }
            switch current {
            case UInt8(ascii: "1"): return .boolean(true)
            case UInt8(ascii: "0"): return .boolean(false)
            default: throw .unreadable("a boolean is ?0 or ?1")
            }
        case UInt8(ascii: "-"), 0x30...0x39:
            let start = index
            index += 1
            while let next = current, (0x30...0x39).contains(next) { index += 1 }
            guard index - start <= 16, let number = Int(String(decoding: bytes[start..<index], as: UTF8.self)) else {
                throw .unreadable("an integer is out of range")
            }
            return .integer(number)
        default:
            let start = index
            guard (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "*") else {
                throw .unreadable("unexpected \(Character(UnicodeScalar(byte)))")
            }
            while let next = current, next > 0x20, next < 0x7F, !"\"(),;=[]{}<>@?\\ ".utf8.contains(next) { index += 1 }
            return .token(String(decoding: bytes[start..<index], as: UTF8.self))
        }
    }
}
