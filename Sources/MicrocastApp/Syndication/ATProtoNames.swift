import Foundation

/// Where an AT Protocol handle is resolved to its DID and the DID to its
/// PDS: Bluesky's public service and the PLC directory, unless configured.
public struct ATProtoDirectory: Sendable {
    /// A service answering `com.atproto.identity.resolveHandle`.
    public var resolver: URL
    /// The `did:plc` directory.
    public var plc: URL

    public init(resolver: URL? = nil, plc: URL? = nil) {
        // Literal addresses: the fallbacks are never taken.
        self.resolver = resolver ?? URL(string: "https://public.api.bsky.app") ?? URL(fileURLWithPath: "/")
        self.plc = plc ?? URL(string: "https://plc.directory") ?? URL(fileURLWithPath: "/")
    }
}

/// A record key as the AT Protocol makes them: a TID, 13 characters of
/// base32-sortable holding microseconds since 1970 and a random clock id,
/// so keys sort by time.
package enum RecordKey {
    static let alphabet = Array("234567abcdefghijklmnopqrstuvwxyz")

    package static func tid(now: Date = Date(), clockId: UInt64 = UInt64.random(in: 0..<1024)) -> String {
        let micros = UInt64(now.timeIntervalSince1970 * 1_000_000) & ((1 << 53) - 1)
        var value = (micros << 10) | (clockId & 1023)
        var characters = [Character](repeating: "2", count: 13)
        for index in stride(from: 12, through: 0, by: -1) {
            characters[index] = alphabet[Int(value & 31)]
            value >>= 5
        }
        return String(characters)
    }
}
