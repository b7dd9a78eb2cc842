import Crypto
import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore
import MultipartForm
import NIOCore
import NIOFileSystem

/// A multipart body: its file parts on disk and its text parts, in order.
struct ReceivedForm {
    var files: [ReceivedFile] = []
    var fields: [(name: String, value: String)] = []

    func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Removes every received file that was not adopted (and its object, if it was sent to a bucket).
    func discard() {
        for file in files {
            try? FileManager.default.removeItem(at: file.temporaryFile)
            if let streamed = file.streamed { Task { await streamed.discard() } }
        }
    }
}

/// Streams a `multipart/form-data` body: file parts go straight to disk chunk
/// by chunk (memory stays flat whatever their size), other parts are kept as
/// short text fields. The parsing and its limits are `MultipartReader`'s;
/// this is the I/O around it.
enum MultipartUpload {
    /// Checks the credentials a body carries (an `access_token` field, the
    /// studio's `csrf` field), once, before its first file part is written:
    /// called with the fields that came before the file, it throws to refuse the request.
    typealias FileGate = @Sendable (_ fieldsSoFar: ReceivedForm) async throws -> Void

    /// A gate's refusal: the rest of the body is read and dropped for a moment, then the answer is sent.
    struct Refusal: Error {
        let underlying: any Error
    }

    static func boundary(contentType: String?) -> String? { MultipartReader.boundary(contentType: contentType) }

    /// Receives the body; parts named in `fileFields` (with or without `[]`)
    /// that carry a file name are written under `library.uploads`. On any
    /// error every partial file is removed. `maxBytes` bounds all files together.
    /// `beforeFiles`, when given, runs before any file reaches the disk: a
    /// request without credentials is refused at its first file part, not
    /// after its whole body has been stored.
    static func receive(
        body: RequestBody,
        boundary: String,
        fileFields: Set<String>,
        library: MediaLibrary,
        maxBytes: Int64,
        beforeFiles: FileGate? = nil,
        streamsOriginals: Bool = false
    ) async throws -> ReceivedForm {
        var receiver = Receiver(library: library, gate: beforeFiles)
        // Uploads to a bucket-backed site go there as they arrive, beside the local copy inspection reads.
        if streamsOriginals { receiver.bucket = library.store as? BucketMediaStore }
        let reader = MultipartReader(boundary: boundary, fileFields: fileFields, limits: FormLimits(maxFileBytes: maxBytes))
        do {
            try await receiver.consume(body: body, reader: reader)
            return receiver.form
        } catch {
            await receiver.abandon()
            throw error
        }
    }

    private struct OpenFile {
        var file: ReceivedFile
        var handle: WriteFileHandle
        var writer: BufferedWriter<WriteFileHandle>
        var hasher = SHA256()
        var put: StreamingPut?
        var streamed: StreamedOriginal?
    }

    private struct Receiver {
        let library: MediaLibrary
        var form = ReceivedForm()
        var open: OpenFile?
        var gate: FileGate?
        var bucket: BucketMediaStore?

        init(library: MediaLibrary, gate: FileGate?) {
            self.library = library
            self.gate = gate
        }

        /// Runs the gate once, before the first file part is stored.
        mutating func passGate() async throws {
            guard let gate else { return }
            self.gate = nil
            do {
                try await gate(form)
            } catch {
                throw Refusal(underlying: error)
            }
        }

        mutating func consume(body: RequestBody, reader: consuming MultipartReader) async throws {
            var reader = reader
            var refused: (any Error)?
            var lingerUntil = ContinuousClock.now
            for try await chunk in body {
                // A refused sender's body is read and dropped for a few seconds
                // (as nginx's lingering close does): closing on unread data makes
                // the kernel reset the connection, and the client would lose the answer.
                if let refused {
                    if ContinuousClock.now > lingerUntil { throw refused }
                    continue
                }
                for event in try reader.read(chunk) where refused == nil {
                    do {
                        try await handle(event)
                    } catch let refusal as Refusal {
                        refused = refusal.underlying
                        lingerUntil = ContinuousClock.now + .seconds(5)
                    } catch  where DiskSpace.isFileSystemFull(error) {
                        refused = DiskSpace.refusal
                        lingerUntil = ContinuousClock.now + .seconds(5)
                    }
                }
            }
            if let refused { throw refused }
            try reader.finish()
        }

        mutating func handle(_ event: FormEvent) async throws {
            switch event {
            case .field(let name, let value):
                form.fields.append((name, value))
            case .fileBegin(let field, let fileName):
                try await passGate()
                let path = library.newUploadPath()
                let handle = try await FileSystem.shared.openFile(
                    forWritingAt: FilePath(path.path),
                    options: .newFile(replaceExisting: false)
                )
                open = OpenFile(
                    file: ReceivedFile(field: field, temporaryFile: path, byteCount: 0, sha256: "", clientFileName: fileName),
                    handle: handle,
                    writer: handle.bufferedWriter()
                )
                if let bucket {
                    let id = MediaIdentifier.make()
                    let name = StreamedOriginal.name(id: id, clientFileName: fileName)
                    open?.put = StreamingPut(
                        client: bucket.client,
                        key: MediaKey.original(name).path,
                        contentType: MediaKey.original(name).contentType
                    )
                    open?.streamed = StreamedOriginal(id: id, fileName: name, store: bucket)
                }
            case .fileBytes(let buffer):
                // Taken out while written (one reference, so the writer's buffer is
                // never copied: a copy per chunk once cut uploads to 2 MB/s), and
                // put back even if the write fails, for `abandon` to close.
                guard var file = open.take() else { return }
                defer { open = file }
                file.file.byteCount += Int64(buffer.readableBytes)
                buffer.withUnsafeReadableBytes { file.hasher.update(bufferPointer: $0) }
                try await file.writer.write(contentsOf: buffer)
                try await file.put?.append(buffer)
            case .fileEnd:
                guard var finished = open else { return }
                // Still `open` until closed, so a failure here leaves it for `abandon`.
                try await finished.writer.flush()
                try await finished.put?.finish()
                finished.put = nil
                finished.file.streamed = finished.streamed
                try await finished.handle.close()
                open = nil
                finished.file.sha256 = finished.hasher.finalize().hexString
                form.files.append(finished.file)
            }
        }

        func abandon() async {
            if let open {
                // A request whose client went away is cancelled, and a cancelled
                // task's file operations do not run: the handle would leak (a
                // fatal error in NIO's file system). The close runs in a task of its own.
                let handle = open.handle
                let (put, streamed) = (open.put, open.put == nil ? open.streamed : nil)
                await Task.detached {
                    try? await handle.close()
                    await put?.abort()
                    await streamed?.discard()
                }.value
                try? FileManager.default.removeItem(at: open.file.temporaryFile)
            }
            form.discard()
        }
    }
}
