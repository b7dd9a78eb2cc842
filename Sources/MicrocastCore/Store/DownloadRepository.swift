import Foundation

/// Episode downloads by day and app (see `DownloadTally`): counts only,
/// never who downloaded.
public protocol DownloadRepository: Sendable {
    /// Adds `counts` to what is stored, all in one transaction: a flush either
    /// lands whole or not at all, so nothing is counted twice.
    func addDownloads(_ counts: [DownloadCount]) async throws

    /// Every stored count.
    func downloads() async throws -> [DownloadCount]
}
