import Foundation
import MediaKit
import MediaModel
import MediaSandbox
import MicrocastCore
import NIOPosix

/// What every media job shares: the library and the item's row, the media
/// threads, the time limit, and the progress the studio shows. Its `process`
/// does what each one does before and after its own work: finds the item and
/// its original, clears what an earlier attempt left, carries shutdown and
/// the time limit to the C libraries, and tells what went wrong apart
/// (the file at fault, or only the moment).
package struct MediaJobContext: Sendable {
    let library: MediaLibrary
    let media: any MediaRepository
    let threadPool: NIOThreadPool
    let progress: ProgressBoard
    /// A job still running after this is stopped and tried again later.
    let timeLimit: Duration
    /// Where the jobs decode: sandboxed child processes (`serve`, `worker`),
    /// or this process's media threads when nil (tests, the CLI's own files).
    var children: MediaChildPool?

    /// Runs `work` on the job's media item under its control; returns the item's new renditions.
    func process(_ job: Job, _ work: (MediaItem, JobControl) async throws -> JobResult) async throws -> JobDone {
        guard let id = job.subject.mediaId, let item = try await media.media(id: id) else {
            throw JobSetback.giveUp("the media item no longer exists")
        }
        // A worker on another machine must see the server's data folder at
        // the same path; if it does not, say so, and leave the job to retry
        // (on this or another worker) instead of calling the file broken.
        // With a bucket, the original is fetched to this worker's own folder
        // and removed from it when the job ends, whatever the outcome.
        do {
            _ = try await library.localFile(.original(item.fileName))
        } catch is MediaStoreMissing {
            throw MissingOriginal(fileName: item.fileName, folder: library.originals.path, store: library.store.location)
        }
        defer { library.releaseScratch(.original(item.fileName)) }
        if job.attempts > 1 {
            let recorded = try await media.renditions(forMedia: [item.id])[item.id]?.all.map(\.fileName) ?? []
            await library.removeUnrecordedRenditions(of: item.id, keeping: Set(recorded))
        }
        // The C libraries never see task cancellation: the job's control carries
        // shutdown and the time limit to the steps (and to FFmpeg's interrupt callback).
        let control = JobControl(deadline: ContinuousClock.now + timeLimit)
        progress.started(item.id, control)
        defer { progress.finished(item.id) }
        do {
            let result = try await withTaskCancellationHandler {
                try await work(item, control)
            } onCancel: {
                control.cancel()
            }
            // Put where the store keeps them before the result names them.
            for rendition in result.renditions {
                try await library.keep(.rendition(rendition.fileName), contentType: rendition.mimeType)
            }
            return JobDone(result)
        } catch  where DiskSpace.isFileSystemFull(error) {
            // Nothing is wrong with the file: the job waits for room, however
            // long that takes, without using up its attempts.
            throw JobSetback.postpone("waiting for disk space: \(error)", after: JobBackoff.doubling(attempt: job.attempts))
        } catch let error as MediaError where error.isRetryable {
            // Stopped from outside (shutdown, its time limit): nothing is wrong with the file.
            throw JobSetback.postpone(error.description, after: JobBackoff.doubling(attempt: job.attempts))
        } catch let error as MediaError {
            // The file itself is at fault: retrying cannot help.
            throw JobSetback.giveUp(error.description)
        }
    }

    /// For a job whose whole work blocks (decoding and encoding in the C
    /// libraries): runs `make` on the media threads and records what it made.
    func processOnMediaThread(
        _ job: Job,
        _ make: @escaping @Sendable (MediaItem, JobControl) throws -> ProcessedMedia
    ) async throws -> JobDone {
        try await process(job) { item, control in
            let made = try await onMediaThread { try make(item, control) }
            return .mediaProcessed(mediaId: item.id, renditions: made.renditions, placeholder: made.placeholder)
        }
    }

    /// Runs blocking media work on the media threads, at the lower priority.
    func onMediaThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await threadPool.runImageWork {
            BackgroundPriority.lowerCurrentThread()
            return try work()
        }
    }
}

/// The original is not in this process's data folder: a worker that does
/// not share the server's folder, not a fault of the file.
struct MissingOriginal: Error, CustomStringConvertible {
    let fileName: String
    let folder: String
    let store: MediaStoreLocation

    var description: String {
        switch store {
        case .folder:
            "the original \(fileName) is not in this worker's \(folder); every worker must see the server's data folder at the same path, or the site must keep its media in a bucket"
        case .bucket(let bucket): "the original \(fileName) is not in the bucket \(bucket.bucket)"
        }
    }
}

extension JobResult {
    /// The rendition files the result names.
    var renditions: [Rendition] {
        switch self {
        case .mediaProcessed(_, let renditions, _), .transcribed(_, let renditions): renditions
        default: []
        }
    }
}
