import Foundation
import MicrocastCore
import NIOCore

/// The timeline's pictures (authors' photos, posts' photos), fetched for the
/// owner's browser through the safe fetcher: the sources never see the
/// owner's address, an http source's picture still shows on an https studio,
/// and only what is truly a picture is passed on.
public struct TimelinePictures: Sendable {
    let fetcher: SafeFetcher
    /// A large photo is a few megabytes; more is not a picture worth waiting for.
    static let maxBytes = 8 << 20

    package init(fetcher: SafeFetcher) {
        self.fetcher = fetcher.allowing(bodyBytes: Self.maxBytes, time: .seconds(20))
    }

    /// A picture as fetched: its bytes and the type they are.
    public struct Picture: Sendable {
        public var bytes: ByteBuffer
        public var type: String
    }

    /// Why a picture was not passed on.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public func fetch(_ url: URL) async throws -> Picture {
        guard LinkPolicy.isRenderable(url.absoluteString) else { throw Refusal(description: "only http and https pictures are fetched") }
        let answer = try await fetcher.get(url, accept: "image/avif, image/webp, image/png, image/jpeg, image/gif;q=0.8")
        guard (200..<300).contains(answer.status) else { throw Refusal(description: "the picture's site answered \(answer.status)") }
        // Its bytes say what it is, not its header: anything else (SVG, HTML) is not served from the studio's origin.
        guard let type = Self.imageType(of: answer.body) else { throw Refusal(description: "not a JPEG, PNG, GIF, WebP or AVIF picture") }
        return Picture(bytes: answer.body, type: type)
    }

    /// The picture type its first bytes show, if it is one a browser shows safely.
    static func imageType(of bytes: ByteBuffer) -> String? {
        let head = bytes.getBytes(at: bytes.readerIndex, length: min(bytes.readableBytes, 16)) ?? []
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + prefix.count && Array(head[offset..<offset + prefix.count]) == prefix
        }
        if starts([0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if starts(Array("GIF8".utf8)) { return "image/gif" }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return "image/webp" }
        if starts(Array("ftypavif".utf8), at: 4) || starts(Array("ftypavis".utf8), at: 4) { return "image/avif" }
        return nil
    }
}
