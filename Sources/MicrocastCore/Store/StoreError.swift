/// A store that could not do what was asked, with a reason an operator can
/// read: the database's own message, a row that should be there and is not.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it is, where the caller acts on the kind.
    public enum Reason: Sendable { case failed, outOfSpace }

    public let description: String
    public let reason: Reason

    public init(_ description: String, reason: Reason = .failed) {
        self.description = description
        self.reason = reason
    }
}

extension DataStore {
    /// Whether `error` says the database's disk is full (the store's own
    /// errors; SQLite's store also reads SQLite's).
    public func isOutOfSpace(_ error: any Error) -> Bool { (error as? StoreError)?.reason == .outOfSpace }
}
