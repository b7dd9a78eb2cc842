import Foundation
import MediaModel
import MicrocastCore
import NIOCore

/// An object put as its bytes arrive: each part is sent while the next is
/// received (at most `inFlight` parts on their way), so a large upload
/// reaches the bucket about when its last byte reaches the server, and
/// memory holds a few parts whatever its size. A file smaller than a part
/// is put in one request at the end.
package struct StreamingPut {
    let client: S3Client
    let key: String
    let contentType: String
    let partBytes = S3Client.partBytes
    static let inFlight = 2

    private var pending = ByteBuffer()
    private var upload: S3Client.Upload?
    private var sending: [Task<(number: Int, etag: String), any Error>] = []
    private var sent: [(number: Int, etag: String)] = []

    package init(client: S3Client, key: String, contentType: String) {
        self.client = client
        self.key = key
        self.contentType = contentType
    }

    package mutating func append(_ buffer: ByteBuffer) async throws {
        pending.writeImmutableBuffer(buffer)
        while pending.readableBytes >= partBytes, let part = pending.readSlice(length: partBytes) {
            try await send(part)
        }
        if pending.readerIndex >= partBytes { pending.discardReadBytes() }
    }

    private mutating func send(_ part: ByteBuffer) async throws {
        if upload == nil { upload = try await client.startUpload(key, contentType: contentType) }
        guard let upload else { return }
        let number = sent.count + sending.count + 1
        let data = Data(buffer: part)
        let client = client
        sending.append(Task { (number, try await client.sendPart(data, number: number, of: upload)) })
        if sending.count >= Self.inFlight { sent.append(try await sending.removeFirst().value) }
    }

    /// Sends what is left and joins the parts into the object.
    package mutating func finish() async throws {
        guard var upload else {
            try await client.put(key, data: Data(buffer: pending), contentType: contentType)
            return
        }
        if pending.readableBytes > 0, let rest = pending.readSlice(length: pending.readableBytes) { try await send(rest) }
        for task in sending { sent.append(try await task.value) }
        sending = []
        upload.parts = sent.sorted { $0.number < $1.number }
        try await client.complete(upload)
    }

    /// Stops: the parts sent are dropped (an abandoned multipart upload), nothing is left in the bucket.
    package func abort() async {
        for task in sending { _ = try? await task.value }
        if let upload { try? await client.abort(upload) }
    }
}

/// An upload's original, sent to the site's bucket while it was received,
/// under a name whose extension was taken from the client's file name (the
/// intake renames it if inspection finds another format). Removed by
/// `discard` unless the intake adopted it.
package final class StreamedOriginal: @unchecked Sendable {
    package let id: String
    package let fileName: String
    let store: any MediaStore
    private let lock = NSLock()
    private var adopted = false

    package init(id: String, fileName: String, store: any MediaStore) {
        self.id = id
        self.fileName = fileName
        self.store = store
    }

    /// The name for an upload `clientFileName` that will go straight to the bucket.
    package static func name(id: String, clientFileName: String?) -> String {
        let given = ((clientFileName ?? "") as NSString).pathExtension.lowercased()
        let format = MediaFormat.all.first { $0.fileExtension == given || $0.name == given }
        return "\(id).\(format?.fileExtension ?? "bin")"
    }

    func markAdopted() { lock.withLock { adopted = true } }

    /// Removes the object unless an upload's row now names it.
    package func discard() async {
        guard !lock.withLock({ adopted }) else { return }
        try? await store.remove(.original(fileName))
    }
}
