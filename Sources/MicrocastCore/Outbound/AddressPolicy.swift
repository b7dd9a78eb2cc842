import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Which IP addresses an outbound fetch (a Webmention source, an author's
/// photo, an endpoint) may connect to: public unicast only. Loopback, private
/// (RFC 1918, unique-local), link-local (and so the cloud metadata address
/// 169.254.169.254), carrier-grade NAT, multicast, documentation, benchmark
/// and reserved ranges are refused, in IPv4 and IPv6, with IPv4 addresses
/// carried inside IPv6 (mapped, translated, compatible, NAT64, 6to4) judged as
/// IPv4, and tunnels whose IPv4 address cannot be read back (local-use NAT64,
/// Teredo) refused whole.
public enum AddressPolicy {
    /// An IPv4 or IPv6 address as its network-order bytes.
    public enum Address: Equatable, Sendable, CustomStringConvertible {
        case v4([UInt8])
        case v6([UInt8])

        /// Parses a numeric address (`10.0.0.1`, `::1`, `::ffff:127.0.0.1`, with or without brackets).
        public init?(_ text: String) {
            var text = text
            if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
            var v4 = in_addr()
            if inet_pton(AF_INET, text, &v4) == 1 {
                self = .v4(withUnsafeBytes(of: &v4) { Array($0) })
                return
            }
            var v6 = in6_addr()
            if inet_pton(AF_INET6, text, &v6) == 1 {
                self = .v6(withUnsafeBytes(of: &v6) { Array($0) })
                return
            }
            return nil
        }

        public var description: String {
            switch self {
            case .v4(let bytes): return bytes.map(String.init).joined(separator: ".")
            case .v6(let bytes):
                var raw = in6_addr()
                withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
                var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
                return String(cString: buffer)
            }
        }
    }

    /// Why an address is refused, or nil for a public one.
    /// Whether the address is this machine's own (127.0.0.0/8, `::1`, or 127/8 written as IPv4-mapped IPv6).
    public static func isLoopback(_ address: Address) -> Bool {
        switch address {
        case .v4(let b): return b.first == 127
        case .v6(let b):
            if b == [UInt8](repeating: 0, count: 15) + [1] { return true }
            return b.prefix(12).elementsEqual([UInt8](repeating: 0, count: 10) + [0xFF, 0xFF]) && b[12] == 127
        }
    }

    public static func refusal(_ address: Address) -> String? {
        switch address {
        case .v4(let b): return refusalV4(b)
        case .v6(let b): return refusalV6(b)
        }
    }

    static func refusalV4(_ b: [UInt8]) -> String? {
        guard b.count == 4 else { return "not an IPv4 address" }
        switch (b[0], b[1], b[2]) {
        case (0, _, _): return "a \"this network\" address"
        case (10, _, _), (172, 16...31, _), (192, 168, _): return "a private address"
        case (100, 64...127, _): return "a carrier-grade NAT address"
        case (127, _, _): return "a loopback address"
        case (169, 254, _): return "a link-local address (cloud metadata lives here)"
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113), (198, 18...19, _): return "a reserved address"
        case (224...239, _, _): return "a multicast address"
        case (240...255, _, _): return "a reserved address"
        default: return nil
        }
    }

    static func refusalV6(_ b: [UInt8]) -> String? {
        guard b.count == 16 else { return "not an IPv6 address" }
        let zeros = { (range: Range<Int>) in b[range].allSatisfy { $0 == 0 } }
        if zeros(0..<16) { return "the unspecified address" }
        if zeros(0..<15) && b[15] == 1 { return "a loopback address" }
        // IPv4 inside IPv6, judged as IPv4: mapped ::ffff:a.b.c.d, translated
        // (SIIT) ::ffff:0:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d
        if zeros(0..<10) && b[10] == 0xff && b[11] == 0xff { return refusalV4(Array(b[12..<16])) }
        if zeros(0..<8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0 { return refusalV4(Array(b[12..<16])) }
        if zeros(0..<12) { return refusalV4(Array(b[12..<16])) }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zeros(4..<12) { return refusalV4(Array(b[12..<16])) }
        // Local-use NAT64 (RFC 8215) places its IPv4 address where the operator
        // chose: no way to read it back, so the whole /48 is refused.
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01 {
            return "a local-use NAT64 address (it may carry a private IPv4 address)"
        }
        // 6to4 2002:a.b.c.d::/48
        if b[0] == 0x20 && b[1] == 0x02 { return refusalV4(Array(b[2..<6])) }
        // Teredo 2001:0::/32 carries a server's and an obscured client's IPv4
        // address; a tunnel endpoint is never a website worth the risk.
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00 { return "a Teredo tunnel address" }
        if b[0] == 0xff { return "a multicast address" }
        if b[0] & 0xfe == 0xfc { return "a unique-local (private) address" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return "a link-local address" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return "a site-local address" }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return "a documentation address" }
        if b[0] == 0x01 && zeros(1..<8) { return "a discard-only address" }
        return nil
    }
}
