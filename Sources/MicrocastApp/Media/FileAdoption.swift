import Foundation
import MicrocastCore
import NIOPosix

/// Files that arrive outside a request (`ingest`, the watch folder, an
/// import) taken into the library exactly as uploads are, known again by
/// their hash so a repeated run stores nothing twice, and waited for until
/// their processing has ended.
package struct FileAdoption: Sendable {
    let intake: MediaIntake
    let media: any MediaRepository
    let threadPool: NIOThreadPool
    var pollInterval: Duration = .milliseconds(100)

    var library: MediaLibrary { intake.library }

    /// Processing ended in failure (or the item went): the reason, as the owner reads it.
    package struct Failed: Error {
        package var reason: String
    }

    /// The library's item for a received file: the one stored before with the
    /// same bytes (the received file is then removed), or the file adopted.
    /// With `processing` off, an audio file is kept as it came.
    package func adopt(_ file: ReceivedFile, alt: String? = nil, processing: Bool = true) async throws -> MediaItem {
        if let known = try await media.media(sha256: file.sha256) {
            try? FileManager.default.removeItem(at: file.temporaryFile)
            if let alt, known.alt != alt { try await media.setAlt(mediaId: known.id, alt: alt) }
            return known
        }
        return try await intake.adopt(file, alt: alt, processing: processing)
    }

    /// The same for a file that stays where it is (`ingest`): a copy is adopted.
    package func copyIn(_ file: URL, hash: String, alt: String?) async throws -> MediaItem {
        if let known = try await media.media(sha256: hash) {
            if let alt, known.alt != alt { try await media.setAlt(mediaId: known.id, alt: alt) }
            return known
        }
        let copy = library.newUploadPath()
        let size = try await threadPool.runIfActive { () throws -> Int64 in
            try FileManager.default.copyItem(at: file, to: copy)
            return (try FileManager.default.attributesOfItem(atPath: copy.path)[.size] as? NSNumber)?.int64Value ?? 0
        }
        do {
            return try await intake.adopt(
                ReceivedFile(field: "file", temporaryFile: copy, byteCount: size, sha256: hash, clientFileName: file.lastPathComponent),
                alt: alt
            )
        } catch {
            try? FileManager.default.removeItem(at: copy)
            throw error
        }
    }

    /// Waits until every item's processing has ended; the first failure is thrown.
    package func processed(_ ids: [String]) async throws -> [MediaItem] {
        while true {
            let items = try await media.media(ids: ids)
            let ordered = ids.compactMap { items[$0] }
            guard ordered.count == ids.count else { throw Failed(reason: "a stored file disappeared while it was processed") }
            if let failed = ordered.first(where: { $0.state == .failed }) {
                throw Failed(reason: failed.failure ?? "processing failed")
            }
            if ordered.allSatisfy({ $0.state == .ready }) { return ordered }
            try await Task.sleep(for: pollInterval)
        }
    }
}
