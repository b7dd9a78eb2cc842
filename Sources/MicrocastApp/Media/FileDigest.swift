import Crypto
import Foundation

/// The SHA-256 of a file, read a megabyte at a time.
package enum FileDigest {
    package static func sha256(_ file: URL) throws -> SHA256.Digest {
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: file.path])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize()
    }
}
