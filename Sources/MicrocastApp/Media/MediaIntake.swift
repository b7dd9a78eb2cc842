import Foundation
import MediaKit
import MediaModel
import MediaSandbox
import MicrocastCore
import NIOPosix

/// Accepts a received file into the library: inspects it off the event loop,
/// moves it into place, and records it with its processing job in one step.
/// Used by the media endpoint and by multipart posts to the Micropub endpoint.
package struct MediaIntake: Sendable {
    package let library: MediaLibrary
    package let media: any MediaRepository
    package let limits: MediaLimits
    /// The request-path pool: never the media workers', so an upload does not wait behind a transcode.
    package let threadPool: NIOThreadPool
    /// Photo decodes wait here for memory they cannot stream.
    package let budget: DecodeBudget
    /// Publish photos' locations (the owner's choice); off by default.
    /// Where uploads are inspected: sandboxed child processes (`serve`), or
    /// this process when nil (tests, the CLI's own files).
    package var children: MediaChildPool?
    package var keepLocation = false
    /// Whether audio and video get a transcript job with their processing (`--transcribe-model`).
    package var transcribes = false
    /// Where an uploaded caption file's cues are kept, for the page and search.
    package var transcripts: (any SearchRepository)?
    /// The largest caption file read for its cues (an hour's WebVTT is about 100 KB).
    static let largestCaptionFile = 4 << 20

    package static let inspectionTime = Duration.seconds(20)

    /// With `processing` off an audio file is kept as it came (an import's
    /// `--keep-audio`, of files already public): ready at once, its original
    /// the enclosure. Photos and videos are always processed.
    package func adopt(_ upload: ReceivedFile, alt: String? = nil, processing: Bool = true) async throws -> MediaItem {
        guard upload.byteCount > 0 else { throw MicropubError.invalidRequest("the file is empty") }
        let limits = self.limits
        let budget = self.budget
        let path = upload.temporaryFile.path
        // Inspection reads the header and decodes once: seconds at most for a
        // real file. One that takes longer was made to, and the upload (which
        // waits for it) is refused rather than held.
        let control = JobControl(deadline: .now + MediaIntake.inspectionTime)
        let children = self.children
        let result: Result<MediaProbe, MediaError> = try await threadPool.runImageWork {
            Result { () throws(MediaError) in
                if let children {
                    return try children.inspect(path: path, limits: limits, seconds: MediaIntake.inspectionTime.milliseconds / 1000)
                }
                return try Inspector.inspect(path: path, limits: limits, budget: budget, control: control)
            }
        }
        let probe: MediaProbe
        switch result {
        case .success(let value): probe = value
        case .failure(.interrupted):
            throw MicropubError(.invalidRequest, "the file took more than \(MediaIntake.inspectionTime) to read", status: 422)
        case .failure(let error): throw MicropubError(error)
        }
        guard let format = MediaFormat.withMIMEType(probe.mimeType) ?? FormatSniffer.sniffFile(path) else {
            throw MicropubError.unsupportedMediaType("not an audio, video or photo format Microcast accepts")
        }
        let upright = probe.uprightSize
        let keptAsIs = !processing && probe.kind == .audio
        let id = upload.streamed?.id ?? MediaIdentifier.make()
        let job = keptAsIs ? nil : JobKind.processing(probe.kind).map { JobRequest(kind: $0, subject: .media(id)) }
        let item = MediaItem(
            id: id,
            kind: probe.kind,
            mimeType: probe.mimeType,
            fileExtension: format.fileExtension,
            byteCount: upload.byteCount,
            sha256: upload.sha256,
            originalName: upload.clientFileName,
            probe: probe,
            alt: alt,
            width: upright?.width,
            height: upright?.height,
            duration: probe.kind == .audio ? probe.audioDuration : probe.duration,
            state: job == nil ? .ready : .processing,
            isAnimated: probe.kind == .photo && (probe.pages ?? 1) > 1
        )
        // The public copy exists before the 201, so the Location URL never serves
        // a location. Audio kept as it came was public already, tags and all.
        let publicCopy =
            !keptAsIs && publicCopyIsMade(for: item)
            ? try await locationFreeCopy(of: upload.temporaryFile, format: format, for: item.fileName) : nil
        // The row is committed first, with the files waiting under names that
        // carry the item's id and their writer; only then do they take their
        // final names. A process killed in between leaves files the next start
        // finishes (row committed) or removes (not): never an original without
        // a row, nor a row without its original (`finishInterruptedAdoptions`).
        //
        // With a bucket, the objects are put before the row is written (their
        // keys carry a new id, so nothing names them until then): a row never
        // names an object that is not there, and any process can serve it.
        let staged: URL
        do {
            staged = try library.stage(upload.temporaryFile, as: item.fileName)
            if library.keepsFilesElsewhere {
                if let streamed = upload.streamed {
                    // Sent as it arrived; under another name only if the client's file name misled.
                    if streamed.fileName != item.fileName {
                        try await library.store.duplicate(.original(streamed.fileName), as: .original(item.fileName))
                        try? await library.store.remove(.original(streamed.fileName))
                    }
                } else {
                    try await library.store.keep(.original(item.fileName), from: staged, contentType: item.mimeType, sha256: item.sha256)
                }
                // A public copy the same as the original is not kept twice: the original's object serves it.
                if let publicCopy {
                    let digest = try FileDigest.sha256(publicCopy).hexString
                    try await library.store.keep(.publicCopy(item.fileName), from: publicCopy, contentType: item.mimeType, sha256: digest)
                }
            }
            let transcript = transcribes && JobKind.isTranscribed(item.kind) ? JobRequest(kind: .transcribe, subject: .media(id)) : nil
            try await media.add(item, jobs: [job, transcript].compactMap { $0 })
            FaultPoint.uploadRowSaved.reached()
        } catch {
            if let publicCopy { try? FileManager.default.removeItem(at: publicCopy) }
            try? FileManager.default.removeItem(at: upload.temporaryFile)
            library.removeStaged(of: item.fileName)
            if library.keepsFilesElsewhere { await library.removeOriginal(item.fileName) }
            throw error
        }
        try library.adoptOriginal(from: staged, as: item.fileName)
        try library.placePublicCopy(of: item.fileName, made: publicCopy)
        upload.streamed?.markAdopted()
        await keepCues(of: item)
        library.releaseScratch(.original(item.fileName))
        library.releaseScratch(.publicCopy(item.fileName))
        return item
    }

    /// An uploaded WebVTT or SubRip file's cues, kept as the owner's own
    /// transcript of it (marked edited: nothing transcribes over it). A file
    /// that is not captions is kept as it came, without cues.
    func keepCues(of item: MediaItem) async {
        guard let transcripts, item.kind == .text, ["vtt", "srt"].contains(item.fileExtension),
            item.byteCount <= Self.largestCaptionFile,
            let text = try? String(contentsOf: library.original(item.fileName), encoding: .utf8)
        else { return }
        let cues = TranscriptWriter.readWebVTT(text)
        guard !cues.isEmpty else { return }
        try? await transcripts.saveEdited(StoredTranscript(mediaId: item.id, language: "", isEdited: true, cues: cues), renditions: [])
    }

    /// Finishes what a process killed mid-adoption left: files staged for an
    /// item whose row was committed take their final names; files whose row
    /// never was are removed. Runs at start, before temporaries are swept.
    package static func finishInterruptedAdoptions(library: MediaLibrary, media: any MediaRepository) async -> (finished: Int, removed: Int) {
        var counts = (finished: 0, removed: 0)
        for staged in library.abandonedStagedFiles() {
            let id = String(staged.fileName.prefix { $0 != "." })
            if (try? await media.media(id: id)) != nil {
                if (try? library.adoptOriginal(from: staged.original, as: staged.fileName)) != nil {
                    try? library.placePublicCopy(of: staged.fileName, made: staged.publicCopy)
                    counts.finished += 1
                }
            } else {
                try? FileManager.default.removeItem(at: staged.original)
                if let copy = staged.publicCopy { try? FileManager.default.removeItem(at: copy) }
                counts.removed += 1
            }
        }
        return counts
    }

    /// Forgets an upload no post uses, with its files; one in use is refused, naming the posts.
    package func delete(_ item: MediaItem, urls: SiteURLs) async throws {
        let users = try await media.posts(usingMedia: item.id)
        guard users.isEmpty else {
            throw MicropubError.invalidRequest(
                "the upload is used by \(users.map(urls.post(slug:)).joined(separator: ", ")); remove it from the post first"
            )
        }
        let renditions = try await media.remove(mediaId: item.id)
        await library.removeOriginal(item.fileName)
        for name in renditions { await library.forget(.rendition(name)) }
    }

    /// Writes the upload at `file` without its location under a temporary name in the public folder.
    package func locationFreeCopy(of file: URL, format: MediaFormat, for fileName: String) async throws -> URL {
        let destination = library.newPublicCopyPath(for: fileName)
        let result = try await removeLocation(from: file, format: format, to: destination, on: threadPool)
        if case .failure(let error) = result {
            try? FileManager.default.removeItem(at: destination)
            throw MicropubError(error)
        }
        return destination
    }

    /// `RemoveLocation.copy` in a media child if there are children, else on `threads`.
    func removeLocation(
        from file: URL,
        format: MediaFormat,
        to destination: URL,
        on threads: NIOThreadPool
    ) async throws
        -> Result<RemoveLocation.Method, MediaError>
    {
        let children = self.children
        let control = JobControl(deadline: .now + MediaIntake.inspectionTime)
        return try await threads.runImageWork {
            Result { () throws(MediaError) in
                if let children { return try children.removeLocation(from: file.path, format: format, to: destination, control: control) }
                return try RemoveLocation.copy(from: file.path, format: format, to: destination, control: control)
            }
        }
    }

    /// The file an upload's public URL serves, if it has been made: an upload
    /// stored before uploads had public copies gets its own from a job
    /// (`PublicCopyJob`), never from the request that asks for it.
    package func madePublicFile(for item: MediaItem) -> URL? {
        let served = library.publicCopy(item.fileName)
        return FileManager.default.fileExists(atPath: served.path) ? served : nil
    }

    /// The public copy in this process's folder, fetched from the store when
    /// files are kept elsewhere (which has every public copy: `media move` carries them).
    package func localPublicFile(for item: MediaItem, on threads: NIOThreadPool) async throws -> URL {
        guard library.keepsFilesElsewhere else { return try await makePublicFile(for: item, on: threads) }
        return try await library.localFile(servedKey(for: item))
    }

    /// Makes an upload's public copy (a photo without its location; anything
    /// else, the original itself) if it is missing, and returns it. Decodes a
    /// photo: for jobs and batch commands (export), not the request path.
    package func makePublicFile(for item: MediaItem, on threads: NIOThreadPool) async throws -> URL {
        if let made = madePublicFile(for: item), !isOutdated(item) { return made }
        var made: URL?
        if publicCopyIsMade(for: item),
            let format = MediaFormat.withMIMEType(item.mimeType) ?? FormatSniffer.sniffFile(library.original(item.fileName).path)
        {
            let (original, destination) = (library.original(item.fileName), library.newPublicCopyPath(for: item.fileName))
            let result = try await removeLocation(from: original, format: format, to: destination, on: threads)
            if case .failure(let error) = result {
                try? FileManager.default.removeItem(at: destination)
                throw error
            }
            made = destination
        }
        try library.placePublicCopy(of: item.fileName, made: made)
        return library.publicCopy(item.fileName)
    }

    /// Where the store keeps what the upload's public URL serves: its public
    /// copy, or (with a bucket, where a copy the same as the original is not
    /// kept twice) the original itself.
    package func servedKey(for item: MediaItem) -> MediaKey {
        library.keepsFilesElsewhere && !publicCopyIsMade(for: item) ? .original(item.fileName) : .publicCopy(item.fileName)
    }

    /// Whether the upload's public URL serves a copy made without its
    /// metadata (other bytes than the original's) rather than the original.
    package func publicCopyIsMade(for item: MediaItem) -> Bool {
        !keepLocation && RemoveLocation.isNeeded(for: item.probe)
    }

    /// A video's public copy made before videos lost their location there: the original itself.
    func isOutdated(_ item: MediaItem) -> Bool {
        item.kind == .video && publicCopyIsMade(for: item)
            && library.isOriginal(library.publicCopy(item.fileName), of: item.fileName)
    }

    /// Queues a public copy for every upload that has none (a data folder from
    /// before public copies); returns how many were queued.
    package func queueMissingPublicCopies(_ queue: any JobQueue) async throws -> Int {
        // A bucket is filled from a library whose public copies were all made.
        guard !library.keepsFilesElsewhere else { return 0 }
        var queued = 0
        for item in try await media.recentMedia(limit: Int.max, offset: 0) where madePublicFile(for: item) == nil || isOutdated(item) {
            // Unserved (503) until its job has made the copy without the location.
            try? FileManager.default.removeItem(at: library.publicCopy(item.fileName))
            try await queue.enqueue(JobRequest(kind: .publicCopy, subject: .media(item.id)), now: Date())
            queued += 1
        }
        return queued
    }
}

/// Makes the public copy of an upload stored before uploads had one. A
/// photo's copy is made without its location, so until this job has run its
/// URL answers 503, never the original.
struct PublicCopyJob: JobHandler {
    let kind = JobKind.publicCopy
    let pool = JobPool.media
    let context: MediaJobContext
    let intake: MediaIntake

    func run(_ job: Job) async throws -> JobDone {
        guard let id = job.subject.mediaId, let item = try await context.media.media(id: id) else { return JobDone(summary: "gone") }
        do {
            _ = try await intake.makePublicFile(for: item, on: context.threadPool)
        } catch let error as MediaError where !error.isRetryable {
            throw JobSetback.giveUp("its public copy cannot be made: \(error.description)")
        }
        return JobDone(summary: "made")
    }
}

extension FormatSniffer {
    package static func sniffFile(_ path: String) -> MediaFormat? {
        (try? Prober.sniff(path: path)) ?? nil
    }
}
