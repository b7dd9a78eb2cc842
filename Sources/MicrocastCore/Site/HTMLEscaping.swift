import Foundation

/// Escaping for HTML text and attribute values.
public enum HTML {
    /// Escapes text for HTML content and attribute values. Works on UTF-8
    /// bytes (every character it replaces is ASCII) and returns the text
    /// untouched when nothing needs escaping, the usual case.
    public static func escape(_ text: String) -> String {
        Escaping.escape(text, apostrophe: "&#39;")
    }
}

/// Byte-level escaping shared by HTML and XML output. Works on the string's
/// contiguous UTF-8 (every character replaced is ASCII): one pass to find out
/// whether anything needs escaping, the usual answer being no, and one that
/// copies the runs between replacements.
enum Escaping {
    private static let ampersand = Array("&amp;".utf8), less = Array("&lt;".utf8), greater = Array("&gt;".utf8),
        quote = Array("&quot;".utf8)

    static func escape(_ text: String, apostrophe: String, dropControl: Bool = false) -> String {
        var text = text
        guard text.withUTF8({ needsWork($0, dropControl: dropControl) }) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        append(text, to: &bytes, apostrophe: Array(apostrophe.utf8), dropControl: dropControl)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text`, escaped, to a byte buffer (the XML writer's, with no string in between).
    static func append(_ text: String, to output: inout [UInt8], apostrophe: [UInt8], dropControl: Bool) {
        var text = text
        text.withUTF8 { buffer in
            guard needsWork(buffer, dropControl: dropControl) else {
                output.append(contentsOf: buffer)
                return
            }
            var start = 0
            for index in 0..<buffer.count {
                let byte = buffer[index]
                let replacement: [UInt8]
                switch byte {
                case UInt8(ascii: "&"): replacement = ampersand
                case UInt8(ascii: "<"): replacement = less
                case UInt8(ascii: ">"): replacement = greater
                case UInt8(ascii: "\""): replacement = quote
                case UInt8(ascii: "'"): replacement = apostrophe
                // Control characters XML 1.0 forbids are dropped rather than breaking the feed.
                case 0x00..<0x20 where dropControl && byte != 0x09 && byte != 0x0A && byte != 0x0D: replacement = []
                default: continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<index]))
                output.append(contentsOf: replacement)
                start = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<buffer.count]))
        }
    }

    private static func needsWork(_ buffer: UnsafeBufferPointer<UInt8>, dropControl: Bool) -> Bool {
        for byte in buffer {
            if byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "'") || (dropControl && byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D)
            {
                return true
            }
        }
        return false
    }
}
