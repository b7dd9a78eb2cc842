import Foundation
import MediaModel
import MicrocastCore
import MicrocastStore
import NIOFileSystem

/// Recognises a full disk (or an exhausted quota) in the errors of every way
/// we write: NIO's file system (uploads), Foundation (renditions), SQLite.
/// A full disk is the operator's to fix, not the client's fault: the answer
/// is 507 with a reason, and a job that met it is tried again later.
package enum DiskSpace {
    package static func isFull(_ error: any Error) -> Bool {
        if case .noSpace? = error as? MediaError { return true }
        if let error = error as? FileSystemError {
            if let call = error.cause as? FileSystemError.SystemCallError {
                return call.errno == .noSpace || call.errno == .diskQuotaExceeded
            }
            return error.cause.map(isFull) ?? false
        }
        if SQLiteStore.isDiskFull(error) { return true }
        if let error = error as? CocoaError, error.code == .fileWriteOutOfSpace { return true }
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain { return error.code == Int(ENOSPC) || error.code == Int(EDQUOT) }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError { return isFull(underlying) }
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
