/// Bounds how deep elements nest before the HTML reaches Gumbo, whose tree
/// builder checks the whole stack of open elements for each tag: a page of
/// 20,000 nested `<div>`s takes it 1.3 s, 200,000 over two minutes (measured).
/// Browsers stop nesting at a depth too (Chromium at 512); here start tags
/// past `limit` open elements, and the end tags that would close them, are
/// left out, so their content joins the deepest element kept.
///
/// One pass over the bytes with just enough of HTML's tokenizer to find tags:
/// comments, quoted attribute values and raw-text elements (`script`, `style`,
/// `textarea`, `title`) are copied as they are. It changes nothing in a page
/// nested less deeply than `limit`; what it lets through is parsed and
/// sanitised as usual, so an imperfect reading here costs formatting, never safety.
enum NestingBound {
    /// Elements that never hold content, and those whose end tag a browser implies
    /// (a new `<p>` or `<li>` closes the last), so they cannot pile up.
    static let uncounted: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "param",
        "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "tbody", "thead", "tfoot", "colgroup", "caption",
        "rb", "rt", "rp", "html", "head", "body",
    ]
    static let rawText: Set<String> = ["script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"]

    static func apply(_ html: String, limit: Int) -> String {
        var html = html
        return html.withUTF8 { bytes in
            // The usual page needs no change: find out cheaply first.
            guard bytes.count > limit * 3 else { return nil }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var depth = 0
            var skipped = 0
            var changed = false
            var index = 0
            let count = bytes.count
            func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
            func copy(_ range: Range<Int>) { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range])) }
            /// The index just past the `>` that ends a tag starting at `start`, minding quotes; `count` if none.
            func tagEnd(from start: Int) -> Int {
                var quote: UInt8 = 0
                var position = start
                while position < count {
                    let byte = bytes[position]
                    if quote != 0 {
                        if byte == quote { quote = 0 }
                    } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                        quote = byte
                    } else if byte == UInt8(ascii: ">") {
                        return position + 1
                    }
                    position += 1
                }
                return count
            }
            func name(from start: Int) -> String {
                var end = start
                while end < count,
                    isLetter(bytes[end]) || (bytes[end] >= UInt8(ascii: "0") && bytes[end] <= UInt8(ascii: "9")) || bytes[end] == UInt8(ascii: "-")
                {
                    end += 1
                }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self).lowercased()
            }
            /// The start of `</name` at or after `start` (any case), or `count`.
            func closing(_ name: String, from start: Int) -> Int {
                let target = Array(("</" + name).utf8)
                var position = start
                while position + target.count <= count {
                    if bytes[position] == UInt8(ascii: "<"),
                        (0..<target.count).allSatisfy({ bytes[position + $0] | (isLetter(target[$0]) ? 0x20 : 0) == target[$0] })
                    {
                        return position
                    }
                    position += 1
                }
                return count
            }

            while index < count {
                guard bytes[index] == UInt8(ascii: "<"), index + 1 < count else {
                    output.append(bytes[index])
                    index += 1
                    continue
                }
                let next = bytes[index + 1]
                if next == UInt8(ascii: "!") {
                    // A comment (or doctype) is copied whole.
                    let isComment = index + 3 < count && bytes[index + 2] == UInt8(ascii: "-") && bytes[index + 3] == UInt8(ascii: "-")
                    var end = tagEnd(from: index + 2)
                    if isComment {
                        end = count
                        var position = index + 4
                        while position + 2 < count {
                            if bytes[position] == UInt8(ascii: "-") && bytes[position + 1] == UInt8(ascii: "-")
                                && bytes[position + 2] == UInt8(ascii: ">")
                            {
                                end = position + 3
                                break
                            }
                            position += 1
                        }
                    }
                    copy(index..<end)
                    index = end
                } else if next == UInt8(ascii: "/"), index + 2 < count, isLetter(bytes[index + 2]) {
                    let tag = name(from: index + 2)
                    let end = tagEnd(from: index + 2)
                    if !uncounted.contains(tag) {
                        if skipped > 0 {
                            skipped -= 1
                            changed = true
                            index = end
                            continue
                        }
                        depth = max(0, depth - 1)
                    }
                    copy(index..<end)
                    index = end
                } else if isLetter(next) {
                    let tag = name(from: index + 1)
                    let end = tagEnd(from: index + 1)
                    let selfClosing = end >= 2 && end <= count && bytes[end - 2] == UInt8(ascii: "/")
                    if !uncounted.contains(tag) && !selfClosing {
                        if depth >= limit {
                            skipped += 1
                            changed = true
                            index = end
                            continue
                        }
                        depth += 1
                    }
                    copy(index..<end)
                    index = end
                    if rawText.contains(tag) {
                        let close = closing(tag, from: index)
                        copy(index..<close)
                        index = close
                    }
                } else {
                    output.append(bytes[index])
                    index += 1
                }
            }
            return changed ? String(decoding: output, as: UTF8.self) : nil
        } ?? html
    }
}
