import Foundation

/// A file received whole and on disk, under a temporary name in the
/// library's uploads folder: what every way in (a multipart part, a finished
/// tus upload, a file from the watch folder) hands to `MediaIntake`.
package struct ReceivedFile: Sendable {
    /// The form field it came in (a multipart part's name without a trailing `[]`).
    package var field: String
    package var temporaryFile: URL
    package var byteCount: Int64
    package var sha256: String
    package var clientFileName: String?
    /// Its bytes, also sent to the site's bucket as they arrived (a bucket-backed site's upload).
    package var streamed: StreamedOriginal?

    package init(field: String, temporaryFile: URL, byteCount: Int64, sha256: String, clientFileName: String?) {
        self.field = field
        self.temporaryFile = temporaryFile
        self.byteCount = byteCount
        self.sha256 = sha256
        self.clientFileName = clientFileName
    }
}
