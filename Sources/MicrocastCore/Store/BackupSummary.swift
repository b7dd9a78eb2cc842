/// What `store backup` wrote.
public struct BackupSummary: Sendable {
    public let bytes: Int
    public let tables: Int

    public init(bytes: Int, tables: Int) {
        self.bytes = bytes
        self.tables = tables
    }
}
