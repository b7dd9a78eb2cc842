import Foundation

/// What a JPEG's start-of-frame marker says: size, whether it is progressive,
/// and each component's sampling. Read from the first few kilobytes only.
public struct JPEGHeader: Equatable, Sendable {
    /// A colour component's sampling factors.
    public struct Component: Equatable, Sendable {
        public var horizontal: Int
        public var vertical: Int
    }

    public var width: Int
    public var height: Int
    public var isProgressive: Bool
    public var components: [Component]

    public init?<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) where Bytes.Index == Int {
        let base = bytes.startIndex
        func byte(_ offset: Int) -> Int { Int(bytes[base + offset]) }
        guard bytes.count > 4, byte(0) == 0xFF, byte(1) == 0xD8 else { return nil }
        var offset = 2
        while offset + 9 < bytes.count, byte(offset) == 0xFF {
            let marker = byte(offset + 1)
            let length = byte(offset + 2) << 8 | byte(offset + 3)
            // SOF0 to SOF15, except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                height = byte(offset + 5) << 8 | byte(offset + 6)
                width = byte(offset + 7) << 8 | byte(offset + 8)
                isProgressive = [0xC2, 0xC6, 0xCA, 0xCE].contains(marker)
                let count = byte(offset + 9)
                var components: [Component] = []
                for index in 0..<count where offset + 11 + index * 3 < bytes.count {
                    let sampling = byte(offset + 11 + index * 3)
                    components.append(Component(horizontal: max(1, sampling >> 4), vertical: max(1, sampling & 0x0F)))
                }
                self.components = components
                return
            }
            offset += 2 + length
        }
        return nil
    }

    /// Bytes libjpeg holds for a progressive image: every DCT coefficient of
    /// every component (64 × 2 bytes per 8 × 8 block) until the last scan.
    /// A baseline image streams in a few rows, so it counts as nothing here.
    public var coefficientBytes: Int {
        guard isProgressive else { return 0 }
        let maxH = components.map(\.horizontal).max() ?? 1
        let maxV = components.map(\.vertical).max() ?? 1
        return components.reduce(0) { total, component in
            let columns = (width * component.horizontal / maxH + 7) / 8
            let rows = (height * component.vertical / maxV + 7) / 8
            return total + columns * rows * 128
        }
    }
}
