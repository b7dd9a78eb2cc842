import Crypto
import Foundation
import MicrocastApp
import NIOCore
import NIOPosix

/// Rendered pages and feeds, kept until the store's content stamp moves on,
/// each with its compressed forms made once beside it. Concurrent requests
/// for a page that is not cached wait for one rendering (single flight): a
/// feed of thousands of items asked by sixteen podcast apps at once is
/// rendered once, not sixteen times.
actor PageCache {
    struct Entry: Sendable {
        let stamp: String
        let page: PublishedPage
        let modified: Date
        /// Strong, a hash of the rendered bytes; each encoding's is this with a suffix.
        let etag: String
        /// The bytes as NIO sends them, made once: every answer shares these
        /// buffers instead of copying a feed of megabytes per request.
        let bodies: [ContentEncoding: ByteBuffer]

        /// Compresses on `pool`: Brotli and gzip of a feed of megabytes take
        /// tens of milliseconds, which Swift's two cooperative threads must not spend.
        static func make(stamp: String, page: PublishedPage, modified: Date, pool: NIOThreadPool) async throws -> Entry {
            let body = page.body.withUnsafeBytes { ByteBuffer(bytes: $0) }
            var bodies: [ContentEncoding: ByteBuffer] = [.identity: body]
            if page.status == 200, ContentEncoding.isCompressible(contentType: page.contentType, bytes: body.readableBytes) {
                let compressed = try await pool.runIfActive {
                    try [ContentEncoding.gzip, .br].map { ($0, try $0.compress(body)) }
                }
                for (encoding, bytes) in compressed where bytes.readableBytes < body.readableBytes { bodies[encoding] = bytes }
            }
            return Entry(
                stamp: stamp,
                page: page,
                modified: modified,
                etag: SHA256.hash(data: page.body).prefix(12).hexString,
                bodies: bodies
            )
        }

        /// The entity tag of one encoding: distinct, since each is a different representation.
        func etag(_ encoding: ContentEncoding) -> String {
            encoding == .identity ? "\"\(etag)\"" : "\"\(etag)-\(encoding.rawValue)\""
        }
    }

    /// Enough for every page a busy site is asked for often; a crawler
    /// walking every permalink empties it rather than growing it.
    private let capacity = 512
    private var entries: [String: Entry] = [:]
    /// Renderings under way, by path, with the stamp each renders.
    private var renderings: [String: (stamp: String, task: Task<Entry, any Error>)] = [:]
    private let metrics: ServiceMetrics

    init(metrics: ServiceMetrics) { self.metrics = metrics }

    /// The page at `path` as of `stamp`: cached, or being rendered for
    /// another request (then awaited), or rendered now by `render`.
    func entry(_ path: String, stamp: String, render: @escaping @Sendable () async throws -> Entry) async throws -> Entry {
        if let entry = entries[path], entry.stamp == stamp { return entry }
        if let running = renderings[path], running.stamp == stamp { return try await running.task.value }
        metrics.pageRendered()
        let task = Task { try await render() }
        renderings[path] = (stamp, task)
        let result = await task.result
        if renderings[path]?.stamp == stamp { renderings[path] = nil }
        let entry = try result.get()
        if entry.page.status == 200 {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[path] = entry
        }
        return entry
    }
}
