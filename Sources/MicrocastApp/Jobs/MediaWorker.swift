import Foundation
import Logging
import MediaKit
import MediaModel
import MicrocastCore
import NIOPosix
import ServiceLifecycle

/// Runs queued media jobs on a dedicated thread pool, never on Swift's
/// cooperative pool or the event loop: FFmpeg and libvips calls block.
///
/// One loop per thread claims a job with a lease, renews the lease while the
/// job runs, and records the outcome. A job left running by a crash is claimed
/// again once its lease runs out.
public struct MediaWorker: Service {
    let queue: any JobQueue
    let media: any MediaRepository
    let settings: any SettingsRepository
    let site: SiteDirectory
    let limits: MediaLimits
    let artwork: ShowArtworkStore
    let library: MediaLibrary
    let presets: Presets
    let budget: DecodeBudget
    let progress: ProgressBoard
    let threadPool: NIOThreadPool
    let loops: Int
    let pollInterval: Duration
    /// Renewed every third of itself while a job runs.
    let lease: TimeInterval
    /// A job still running after this is stopped and tried again later.
    let timeLimit: Duration
    let logger: Logger
    let name = MediaWorker.localName(pid: ProcessInfo.processInfo.processIdentifier)

    /// Workers are named by host and process, so a restarted process can tell
    /// which running jobs belonged to a process that is gone.
    static func localName(pid: Int32) -> String { "worker-\(ProcessInfo.processInfo.hostName)-\(pid)" }

    public func run() async throws {
        if loops > 0 { await releaseLeasesOfDeadProcesses() }
        await runLoops(loops) { index in await loop(id: "\(name)-\(index)") }
    }

    func loop(id: String) async {
        await queue.claimJobs(worker: id, kinds: JobKind.media, lease: lease, pollInterval: pollInterval, logger: logger) { job in
            await run(job, worker: id)
        }
    }

    func run(_ job: Job, worker: String) async {
        let start = ContinuousClock.now
        var metadata: Logger.Metadata = ["job": "\(job.id)", "kind": "\(job.kind.rawValue)", "media": "\(job.subject)", "attempt": "\(job.attempts)"]
        do {
            let result = try await queue.withLeaseRenewed(job, worker: worker, lease: lease) { try await perform(job) }
            let queue = self.queue
            try await writeOutcome { try await queue.complete(jobId: job.id, result: result, now: Date()) }
            metadata["outcome"] = "done"
        } catch  where DiskSpace.isFull(error) {
            // Nothing is wrong with the file: the job waits for room, however
            // long that takes, without using up its attempts.
            await record(job, metadata: &metadata) {
                try await queue.requeue(
                    jobId: job.id,
                    reason: "waiting for disk space: \(error)",
                    runAfter: Date().addingTimeInterval(Self.backoff(attempt: job.attempts)),
                    now: Date()
                )
            }
            metadata["outcome"] = "disk full"
            metadata["reason"] = "\(error)"
        } catch let error as MediaError where error.isRetryable {
            // Stopped from outside (shutdown, its time limit): nothing is wrong with the file.
            await record(job, metadata: &metadata) {
                try await queue.requeue(
                    jobId: job.id,
                    reason: error.description,
                    runAfter: Date().addingTimeInterval(Self.backoff(attempt: job.attempts)),
                    now: Date()
                )
            }
            metadata["outcome"] = "interrupted"
            metadata["reason"] = "\(error.description)"
        } catch let error as MediaError {
            // The file itself is at fault: retrying cannot help. The job and its item fail together.
            await record(job, metadata: &metadata) {
                try await queue.fail(jobId: job.id, reason: error.description, retryAt: nil, now: Date())
            }
            metadata["outcome"] = "failed"
            metadata["reason"] = "\(error.description)"
        } catch {
            let retryAt = Date().addingTimeInterval(Self.backoff(attempt: job.attempts))
            await record(job, metadata: &metadata) {
                try await queue.fail(jobId: job.id, reason: "\(error)", retryAt: retryAt, now: Date())
            }
            metadata["outcome"] = job.attempts >= job.maxAttempts ? "failed" : "retry"
            metadata["reason"] = "\(error)"
        }
        // What a job freed is returned, so a backlog does not ratchet memory up.
        ProcessMemory.trim()
        metadata["ms"] = "\(Int((ContinuousClock.now - start).milliseconds))"
        logger.info("job", metadata: metadata)
    }

    /// Writes a job's outcome. If the store cannot take it, the job stays
    /// running under its lease and is claimed again when that runs out: the
    /// failure is logged, never swallowed, and nothing is left half-written.
    func record(_ job: Job, metadata: inout Logger.Metadata, _ write: @escaping @Sendable () async throws -> Void) async {
        do {
            try await writeOutcome(write)
        } catch {
            metadata["store-error"] = "\(error)"
            logger.error("job outcome not recorded; it runs again after its lease", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }

    /// Does the job's work and returns what it made, for `complete` to write with the job's end.
    func perform(_ job: Job) async throws -> JobResult {
        guard let item = try await media.media(id: job.subject) else {
            throw MediaError.unreadable("the media item no longer exists")
        }
        // A worker on another machine must see the server's data folder at
        // the same path; if it does not, say so, and leave the job to retry
        // (on this or another worker) instead of calling the file broken.
        guard FileManager.default.fileExists(atPath: library.original(item.fileName).path) else {
            throw MissingOriginal(fileName: item.fileName, folder: library.originals.path)
        }
        if job.attempts > 1 {
            let recorded = try await media.renditions(forMedia: [item.id])[item.id]?.all.map(\.fileName) ?? []
            library.removeUnrecordedRenditions(of: item.id, keeping: Set(recorded))
        }
        // The C libraries never see task cancellation: the job's control carries
        // shutdown and the time limit to the steps (and to FFmpeg's interrupt callback).
        let control = JobControl(deadline: ContinuousClock.now + timeLimit)
        progress.started(item.id, control)
        defer { progress.finished(item.id) }
        return try await withTaskCancellationHandler {
            switch job.kind {
            case .photoRenditions:
                let step = PhotoJob(library: library, preset: presets.photo, budget: budget)
                let made = try await onMediaThread { try step.makeRenditions(for: item, control: control) }
                return .mediaProcessed(mediaId: item.id, renditions: made.renditions, placeholder: made.placeholder)
            case .videoWeb:
                let step = VideoJob(library: library, preset: presets.video, posterEncodings: presets.photo.encodings, limits: limits)
                let made = try await onMediaThread { try step.makeRenditions(for: item, control: control) }
                return .mediaProcessed(mediaId: item.id, renditions: made.renditions, placeholder: made.placeholder)
            case .audioEpisode:
                let step = AudioJob(library: library, preset: presets.audio, limits: limits)
                let show = ShowSettings(stored: try await settings.settings(), site: try await site.info())
                let tags = AudioJob.tags(for: item, show: show)
                let cover = try Data(contentsOf: library.rendition(try await artwork.fileName(for: show)))
                let renditions = try await onMediaThread { try step.makeRenditions(for: item, tags: tags, cover: cover, control: control) }
                return .mediaProcessed(mediaId: item.id, renditions: renditions, placeholder: nil)
            case .verifyMention, .sendMentions:
                throw MediaError.unsupported("\(job.kind.rawValue) is not a media job")
            }
        } onCancel: {
            control.cancel()
        }
    }

    /// Runs blocking media work on the media pool, at the lower priority.
    func onMediaThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await threadPool.runImageWork {
            BackgroundPriority.lowerCurrentThread()
            return try work()
        }
    }

    /// Jobs a killed process on this machine was running go back to the
    /// queue now rather than when their lease runs out.
    func releaseLeasesOfDeadProcesses() async {
        let prefix = "worker-\(ProcessInfo.processInfo.hostName)-"
        for owner in (try? await queue.leaseOwners()) ?? [] where owner.hasPrefix(prefix) {
            guard let pid = owner.dropFirst(prefix.count).split(separator: "-").first.flatMap({ Int32($0) }),
                pid != ProcessInfo.processInfo.processIdentifier, kill(pid, 0) == -1, errno == ESRCH
            else { continue }
            try? await queue.releaseLeases(ownedBy: owner, now: Date())
            logger.info("released jobs of a stopped worker", metadata: ["worker": "\(owner)"])
        }
    }

    /// 10 s, 20 s, 40 s, ... capped at 10 minutes.
    static func backoff(attempt: Int) -> TimeInterval {
        min(600, 10 * pow(2, Double(max(0, attempt - 1))))
    }
}

/// The original is not in this process's data folder: a worker that does
/// not share the server's folder, not a fault of the file.
struct MissingOriginal: Error, CustomStringConvertible {
    let fileName: String
    let folder: String

    var description: String {
        "the original \(fileName) is not in this worker's \(folder); every worker must see the server's data folder at the same path"
    }
}
