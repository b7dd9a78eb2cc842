extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two digits a byte: how hashes are written in
    /// file names, ETags and the store.
    public var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
