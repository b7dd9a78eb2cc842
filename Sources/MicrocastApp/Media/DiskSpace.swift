import Foundation
import MediaModel
import MicrocastCore
import NIOFileSystem

/// Recognises a full disk (or an exhausted quota) in the errors of every way
/// we write: NIO's file system (uploads), Foundation (renditions), and the
/// store, which says for itself (`DataStore.isOutOfSpace`, on SQLite and
/// PostgreSQL alike). A full disk is the operator's to fix, not the client's
/// fault: the answer is 507 with a reason, and a job that met it is tried again later.
package struct DiskSpace: Sendable {
    let store: any DataStore

    package init(store: any DataStore) { self.store = store }

    /// Whether `error`, from the files or the store, says the disk is full.
    package func isFull(_ error: any Error) -> Bool { Self.isFileSystemFull(error) || store.isOutOfSpace(error) }

    /// Whether `error`, from writing a file, says the disk is full.
    package static func isFileSystemFull(_ error: any Error) -> Bool {
        if case .noSpace? = error as? MediaError { return true }
        if let error = error as? FileSystemError {
            if let call = error.cause as? FileSystemError.SystemCallError {
                return call.errno == .noSpace || call.errno == .diskQuotaExceeded
            }
            return error.cause.map(isFileSystemFull) ?? false
        }
        if let error = error as? CocoaError, error.code == .fileWriteOutOfSpace { return true }
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return error.code == Int(ENOSPC) || error.code == Int(EDQUOT) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError { return isFileSystemFull(underlying) }
        return false
    }

    /// Bytes free for this process at `folder` (`statvfs`), or nil when it cannot tell.
    package static func available(at folder: URL) -> Int64? {
        var info = statvfs()
        guard statvfs(folder.path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    package static let refusal = MicropubError.diskFull
}
