import AsyncHTTPClient
import Crypto
import Foundation
import MicrocastCore
import NIOCore
import NIOFileSystem

/// A file fetched to disk, after redirects.
public struct DownloadedFile: Sendable {
    /// Where it was finally found.
    public var url: URL
    public var file: URL
    public var byteCount: Int64
    public var sha256: String
    public var contentType: String
}

extension SafeFetcher {
    /// Where one hop of a download led.
    private enum Hop: Sendable {
        case redirect(String)
        case refused(status: Int)
        case saved(byteCount: Int64, sha256: String, contentType: String)
    }

    /// GETs a large file (a podcast's enclosure) into `destination`, streamed
    /// and hashed on the way, following the redirects measurement services
    /// put in front of files; each hop's address is checked as in `get`. An
    /// answer other than 2xx, a body over `maxBytes` (declared or counted)
    /// and a fetch over `timeout` are errors, and leave no file behind.
    public func download(
        _ url: URL,
        to destination: URL,
        maxBytes: Int64,
        timeout: Duration,
        progress: @escaping @Sendable (Int64) -> Void = { _ in }
    ) async throws -> DownloadedFile {
        do {
            return try await withDeadline(timeout) {
                var current = url
                for _ in 0...policy.maxRedirects {
                    let hop = try await exchange(.GET, current, headers: ["Accept": "*/*"], body: nil) { response -> Hop in
                        let status = Int(response.status.code)
                        if (300..<400).contains(status), status != 304, let location = response.headers.first(name: "location") {
                            _ = try? await response.body.collect(upTo: 1 << 16)
                            return .redirect(location)
                        }
                        guard (200..<300).contains(status) else {
                            _ = try? await response.body.collect(upTo: 1 << 16)
                            return .refused(status: status)
                        }
                        if let declared = response.headers.first(name: "content-length").flatMap(Int64.init), declared > maxBytes {
                            throw FetchError.tooLarge(limit: Int(clamping: maxBytes))
                        }
                        let (count, digest) = try await Self.write(response.body, to: destination, maxBytes: maxBytes, progress: progress)
                        return .saved(byteCount: count, sha256: digest, contentType: response.headers.first(name: "content-type") ?? "")
                    }
                    switch hop {
                    case .redirect(let location):
                        guard let next = URL(string: location, relativeTo: current)?.absoluteURL else {
                            throw FetchError.failed("a redirect to an unreadable location: \(location)")
                        }
                        current = next
                    case .refused(let status):
                        throw FetchError.failed("\(current.absoluteString) answered \(status)")
                    case .saved(let count, let digest, let type):
                        return DownloadedFile(url: current, file: destination, byteCount: count, sha256: digest, contentType: type)
                    }
                }
                throw FetchError.tooManyRedirects(policy.maxRedirects)
            }
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
    }

    /// Writes a body to a new file, hashing it, within `maxBytes`.
    private static func write(
        _ body: HTTPClientResponse.Body,
        to destination: URL,
        maxBytes: Int64,
        progress: @Sendable (Int64) -> Void
    ) async throws -> (Int64, String) {
        let handle = try await FileSystem.shared.openFile(forWritingAt: FilePath(destination.path), options: .newFile(replaceExisting: true))
        do {
            var writer = handle.bufferedWriter()
            var hasher = SHA256()
            var count: Int64 = 0
            for try await chunk in body {
                count += Int64(chunk.readableBytes)
                if count > maxBytes { throw FetchError.tooLarge(limit: Int(clamping: maxBytes)) }
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                try await writer.write(contentsOf: chunk)
                progress(count)
            }
            try await writer.flush()
            try await handle.close()
            return (count, hasher.finalize().hexString)
        } catch {
            // A cancelled task's file operations do not run (the deadline
            // cancels this one): the close runs in a task of its own, or the
            // handle would leak, which NIO's file system treats as fatal.
            await Task.detached { try? await handle.close() }.value
            throw error
        }
    }
}
