import Crypto
import Foundation
import MediaEngine
import MediaKit
import MediaModel
import MediaSandbox
import MicrocastCore
import NIOPosix

/// Authors' photos, fetched once through the safe client, checked like any
/// upload (format, pixel limits), cut square and small by libvips, and served
/// from our renditions: readers' browsers never call a third party.
struct AvatarStore: Sendable {
    static let size = 96
    let fetcher: SafeFetcher
    let library: MediaLibrary
    let limits: MediaLimits
    let budget: DecodeBudget
    let threadPool: NIOThreadPool
    /// Where strangers' photos are decoded: media children, or this process when nil.
    var children: MediaChildPool?
    /// Longer than any real photo takes.
    static let decodeSeconds = 20.0

    func fileName(for url: URL) async throws -> String {
        // STEM.HASH.EXT, as every rendition is named; the hash is of the photo's URL, so one is fetched once.
        let name = "avatar." + SHA256.hash(data: Data(url.absoluteString.utf8)).prefix(10).hexString + ".jpg"
        if try await library.exists(.rendition(name)) { return name }
        let image = try await fetcher.get(url, accept: "image/avif, image/webp, image/png, image/jpeg, image/gif;q=0.8")
        guard (200..<300).contains(image.status) else { throw FetchError.failed("the photo answered \(image.status)") }
        let temporary = library.newUploadPath()
        defer { try? FileManager.default.removeItem(at: temporary) }
        try Data(buffer: image.body).write(to: temporary)
        let (limits, budget, children) = (self.limits, self.budget, self.children)
        if let children {
            // A stranger's image: decoded in a media child, which writes the
            // square under a temporary name that is then renamed into place.
            let square = library.renditions.appendingPathComponent(TemporaryName.make(".\(name)", extension: "tmp"))
            do {
                try await threadPool.runImageWork {
                    try children.avatar(from: temporary.path, limits: limits, size: Self.size, to: square, seconds: Self.decodeSeconds)
                }
                try library.moveIntoRenditions(square, as: name)
            } catch {
                try? FileManager.default.removeItem(at: square)
                throw error
            }
        } else {
            let data = try await threadPool.runImageWork { () throws -> Data in
                let probe = try Inspector.inspect(path: temporary.path, limits: limits, budget: budget)
                guard probe.kind == .photo else { throw MediaError.unsupported("an author photo must be an image") }
                return try VipsImageRef.square(path: temporary.path, size: Self.size).jpeg(quality: 82)
            }
            try library.writeRendition(data, named: name)
        }
        try await library.keep(.rendition(name), contentType: "image/jpeg")
        return name
    }
}
