import Crypto
import Foundation
import MediaKit
import MicrocastCore
import NIOPosix

/// The show's artwork file in the library: the owner's, or a title card made
/// once per title (named by the title's hash, so a new title gets a new file).
package struct ShowArtworkStore: Sendable {
    package let library: MediaLibrary
    package let threadPool: NIOThreadPool

    package func fileName(for show: ShowSettings) async throws -> String {
        if let name = show.artwork { return name }
        let digest = SHA256.hash(data: Data(show.title.utf8)).prefix(6).hexString
        let name = "show-card.\(digest).jpg"
        if !FileManager.default.fileExists(atPath: library.rendition(name).path) {
            let title = show.title
            let data = try await threadPool.runImageWork { try ShowArtwork.titleCard(title) }
            try library.writeRendition(data, named: name)
        }
        return name
    }
}
