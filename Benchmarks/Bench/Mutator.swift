import Foundation

/// A region of a file that its format frames: an ISO BMFF box, a RIFF or PNG
/// chunk, a JPEG segment, an Ogg page, a FLAC metadata block. Mutating whole
/// chunks, and the fields that give their sizes, reaches parsers' code that
/// random bytes rarely do.
struct Chunk: Equatable {
    var start: Int
    var length: Int
    /// Where the chunk's length is written, and how.
    var sizeField: Int?
    var sizeWidth = 4
    var bigEndian = true

    var end: Int { start + length }
}

/// The chunks of a file, found by walking its format's framing; empty when the
/// format has none we walk (MP3, GIF, TIFF, Matroska), where mutations fall
/// back to byte ranges.
enum ChunkMap {
    static func chunks(of bytes: [UInt8], fileExtension: String) -> [Chunk] {
        switch fileExtension {
        case "mp4", "mov", "m4a", "heic", "avif": return boxes(bytes, from: 0, to: bytes.count, depth: 0)
        case "wav", "webp": return riff(bytes)
        case "png": return png(bytes)
        case "jpg": return jpeg(bytes)
        case "ogg": return oggPages(bytes)
        case "flac": return flacBlocks(bytes)
        default: return []
        }
    }

    static func uint32(_ bytes: [UInt8], _ at: Int, bigEndian: Bool = true) -> Int? {
        guard at >= 0, at + 4 <= bytes.count else { return nil }
        let b = bytes[at..<at + 4].map(Int.init)
        return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
    }

    /// Boxes nest: containers are walked too, so `stsz` inside `moov` can be hit.
    static let containers: Set<String> = ["moov", "trak", "mdia", "minf", "stbl", "udta", "edts", "dinf", "iprp", "ipco", "meta", "ilst"]

    static func boxes(_ bytes: [UInt8], from start: Int, to end: Int, depth: Int) -> [Chunk] {
        var found: [Chunk] = []
        var at = start
        while at + 8 <= end, let size = uint32(bytes, at), size >= 8, at + size <= end {
            let type = String(decoding: bytes[at + 4..<at + 8], as: UTF8.self)
            found.append(Chunk(start: at, length: size, sizeField: at))
            if depth < 6, containers.contains(type) {
                // `meta` is a full box: 4 bytes of version and flags before its children.
                let header = type == "meta" ? 12 : 8
                found += boxes(bytes, from: at + header, to: at + size, depth: depth + 1)
            }
            at += size
        }
        return found
    }

    static func riff(_ bytes: [UInt8]) -> [Chunk] {
        var found: [Chunk] = []
        var at = 12
        while at + 8 <= bytes.count, let size = uint32(bytes, at + 4, bigEndian: false) {
            let length = 8 + size + size % 2
            guard at + length <= bytes.count else { break }
            found.append(Chunk(start: at, length: length, sizeField: at + 4, bigEndian: false))
            at += length
        }
        return found
    }

    static func png(_ bytes: [UInt8]) -> [Chunk] {
        var found: [Chunk] = []
        var at = 8
        while at + 12 <= bytes.count, let size = uint32(bytes, at), at + 12 + size <= bytes.count {
            found.append(Chunk(start: at, length: 12 + size, sizeField: at))
            at += 12 + size
        }
        return found
    }

    static func jpeg(_ bytes: [UInt8]) -> [Chunk] {
        var found: [Chunk] = []
        var at = 2
        while at + 4 <= bytes.count, bytes[at] == 0xFF, bytes[at + 1] != 0xDA {
            let size = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard at + 2 + size <= bytes.count else { break }
            found.append(Chunk(start: at, length: 2 + size, sizeField: at + 2, sizeWidth: 2))
            at += 2 + size
        }
        return found
    }

    static func oggPages(_ bytes: [UInt8]) -> [Chunk] {
        let capture: [UInt8] = Array("OggS".utf8)
        var starts: [Int] = []
        var at = 0
        while at + 4 <= bytes.count {
            if bytes[at] == capture[0], Array(bytes[at..<at + 4]) == capture { starts.append(at) }
            at += 1
        }
        return zip(starts, starts.dropFirst() + [bytes.count]).map { Chunk(start: $0, length: $1 - $0) }
    }

    static func flacBlocks(_ bytes: [UInt8]) -> [Chunk] {
        var found: [Chunk] = []
        var at = 4
        while at + 4 <= bytes.count {
            let size = Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard at + 4 + size <= bytes.count else { break }
            found.append(Chunk(start: at, length: 4 + size, sizeField: at + 1, sizeWidth: 3))
            let last = bytes[at] & 0x80 != 0
            at += 4 + size
            if last { break }
        }
        return found
    }
}

/// Makes damaged copies of a file the way transfers, broken tools and
/// attackers do: bit flips, truncations, chunks duplicated, swapped or
/// removed, and size fields set to 0, -1 and huge. Deterministic for a seed,
/// so any mutant can be made again from its name.
struct Mutator {
    enum Mutation: String, CaseIterable {
        case flipBits = "flip"
        case setBytes = "bytes"
        case truncate
        case duplicateChunk = "duplicate"
        case swapChunks = "swap"
        case removeChunk = "remove"
        case sizeField = "size"
    }

    var random: SplitMix

    init(seed: UInt64) { random = SplitMix(seed: seed) }

    /// One to three mutations, and their names.
    mutating func mutate(_ original: [UInt8], fileExtension: String) -> (bytes: [UInt8], applied: [Mutation]) {
        var bytes = original
        var applied: [Mutation] = []
        for _ in 0..<random.next(in: 1...3) {
            let chunks = ChunkMap.chunks(of: bytes, fileExtension: fileExtension)
            guard bytes.count > 16 else { break }
            let mutation = Mutation.allCases[random.next(in: 0...Mutation.allCases.count - 1)]
            apply(mutation, to: &bytes, chunks: chunks)
            applied.append(mutation)
        }
        return (bytes, applied)
    }

    mutating func apply(_ mutation: Mutation, to bytes: inout [UInt8], chunks: [Chunk]) {
        switch mutation {
        case .flipBits:
            for _ in 0..<random.next(in: 1...16) {
                bytes[random.next(in: 0...bytes.count - 1)] ^= UInt8(1) << UInt8(random.next(in: 0...7))
            }
        case .setBytes:
            let interesting: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01]
            for _ in 0..<random.next(in: 1...8) {
                bytes[random.next(in: 0...bytes.count - 1)] = interesting[random.next(in: 0...interesting.count - 1)]
            }
        case .truncate:
            bytes.removeLast(bytes.count - random.next(in: 1...bytes.count - 1))
        case .duplicateChunk:
            let chunk = pick(chunks) ?? range(in: bytes)
            bytes.insert(contentsOf: bytes[chunk.start..<chunk.end], at: chunk.end)
        case .swapChunks:
            guard chunks.count >= 2 else {
                let first = range(in: bytes)
                let second = range(in: bytes)
                let length = min(first.length, second.length, bytes.count - max(first.start, second.start))
                for offset in 0..<length { bytes.swapAt(first.start + offset, second.start + offset) }
                return
            }
            // Two chunks that do not overlap (a box and one of its children would).
            let first = chunks[random.next(in: 0...chunks.count - 1)]
            let others = chunks.filter { $0.end <= first.start || $0.start >= first.end }
            guard let second = pick(others) else { return }
            let (a, b) = first.start < second.start ? (first, second) : (second, first)
            bytes = Array(bytes[..<a.start] + bytes[b.start..<b.end] + bytes[a.end..<b.start] + bytes[a.start..<a.end] + bytes[b.end...])
        case .removeChunk:
            let chunk = pick(chunks) ?? range(in: bytes)
            bytes.removeSubrange(chunk.start..<chunk.end)
        case .sizeField:
            let values: [UInt32] = [0, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 1]
            let value = values[random.next(in: 0...values.count - 1)]
            if let chunk = pick(chunks.filter { $0.sizeField != nil }), let at = chunk.sizeField {
                write(value, at: at, width: chunk.sizeWidth, bigEndian: chunk.bigEndian, into: &bytes)
            } else {
                // No framing we know: some 4-byte field in the header.
                let at = random.next(in: 0...min(256, bytes.count - 4))
                write(value, at: at, width: 4, bigEndian: random.next(in: 0...1) == 0, into: &bytes)
            }
        }
    }

    mutating func pick(_ chunks: [Chunk]) -> Chunk? {
        chunks.isEmpty ? nil : chunks[random.next(in: 0...chunks.count - 1)]
    }

    /// A random stretch of up to 1/8 of the file.
    mutating func range(in bytes: [UInt8]) -> Chunk {
        let length = random.next(in: 1...max(1, bytes.count / 8))
        return Chunk(start: random.next(in: 0...bytes.count - length), length: length)
    }

    func write(_ value: UInt32, at offset: Int, width: Int, bigEndian: Bool, into bytes: inout [UInt8]) {
        for index in 0..<width where offset + index < bytes.count {
            let shift = bigEndian ? (width - 1 - index) * 8 : index * 8
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> UInt32(shift))
        }
    }
}

/// A small, fast, seedable generator (SplitMix64), so a mutant is reproducible from its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
}
