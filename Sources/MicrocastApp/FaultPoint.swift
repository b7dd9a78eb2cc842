import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The moments between two writes where a process killed outright (`kill
/// -9`, the OOM killer, a power cut) used to leave something lost or stuck.
/// A test stops the process dead at one of them, restarts it, and checks
/// that nothing was lost and nothing is stuck (`OutboxFaultTests`). Debug
/// builds stop when `MICROCAST_FAULT_AT` names the point; release builds
/// have no such check at all.
package enum FaultPoint: String, Sendable, CaseIterable {
    /// A post and the jobs it causes are saved; the client has not been answered.
    case postSaved = "post-saved"
    /// An upload's row and its processing job are saved; its files do not have their final names yet.
    case uploadRowSaved = "upload-row-saved"
    /// A job's work is done (its files written); its outcome is not recorded yet.
    case jobWorkDone = "job-work-done"
    /// The first part of a multipart upload to object storage is sent; the upload is neither completed nor aborted.
    case objectPartSent = "object-part-sent"

    /// Stops the process here, as `kill -9` would, if the test asked for this point.
    package func reached() {
        #if DEBUG
        if Self.armed == self { _exit(137) }
        #endif
    }

    #if DEBUG
    private static let armed = ProcessInfo.processInfo.environment["MICROCAST_FAULT_AT"].flatMap(FaultPoint.init(rawValue:))
    #endif
}
