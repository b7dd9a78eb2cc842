import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Who a Webmention comes from, for rate limits and turns: the host as a
/// machine would reach it, not as it was spelled. `localhost`, `127.1`,
/// `2130706433`, `0x7f.0.0.1` and `[::ffff:127.0.0.1]` are one sender
/// (`127.0.0.1`); `a.example.org` and `b.example.org` are one
/// (`example.org`, the registrable domain).
///
/// The registrable domain is approximated without the Public Suffix List:
/// the last two labels, or three under a two-letter country code whose
/// second level is a common public one (`example.co.uk`). A sender under
/// another multi-label public suffix is merely counted with its neighbours;
/// the worker's turns also go by the address a name resolves to.
public enum SenderKey {
    public static func of(host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }
        if let address = numericAddress(host) { return address }
        // RFC 6761: localhost names are the loopback, whatever the resolver says.
        if host == "localhost" || host.hasSuffix(".localhost") { return "127.0.0.1" }
        return registrableDomain(host)
    }

    /// An address written as one, in any form the C library reads
    /// (`inet_aton`'s shorthand and bases for IPv4), as IPv4 dotted quad or IPv6 text.
    static func numericAddress(_ host: String) -> String? {
        var v4 = in_addr()
        if !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" }), inet_aton(host, &v4) != 0 {
            return AddressPolicy.Address.v4(withUnsafeBytes(of: &v4) { Array($0) }).description
        }
        guard host.contains(":"), let address = AddressPolicy.Address(host) else { return nil }
        // IPv4 carried in IPv6 is the IPv4 sender.
        if case .v6(let bytes) = address, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return AddressPolicy.Address.v4(Array(bytes[12..<16])).description
        }
        return address.description
    }

    static let publicSecondLevels: Set<String> = ["co", "com", "net", "org", "gov", "edu", "ac", "ne", "or", "go", "gob", "nic", "mil"]

    static func registrableDomain(_ host: String) -> String {
        let labels = host.split(separator: ".")
        guard labels.count > 2 else { return host }
        let tld = labels[labels.count - 1]
        let second = labels[labels.count - 2]
        let kept = tld.count == 2 && publicSecondLevels.contains(String(second)) ? 3 : 2
        return labels.suffix(kept).joined(separator: ".")
    }
}
