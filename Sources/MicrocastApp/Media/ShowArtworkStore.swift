import Crypto
import Foundation
import MediaKit
import MediaModel
import MicrocastCore
import NIOPosix

/// The show's artwork file in the library: the owner's, or a title card made
/// once per title (named by the title's hash, so a new title gets a new file).
package struct ShowArtworkStore: Sendable {
    package let library: MediaLibrary
    package let threadPool: NIOThreadPool
    package let settings: any SettingsRepository

    /// Makes the owner's artwork from an image (square, 1400 to 3000 pixels, a
    /// JPEG podcast apps take) and makes it the show's; the file given is left as it is.
    package func replace(from image: URL) async throws(MediaError) -> String {
        let path = image.path
        let jpeg: Data
        do {
            jpeg = try await threadPool.runImageWork { try ShowArtwork.make(from: path) }
        } catch let error as MediaError {
            throw error
        } catch {
            throw .engine("\(error)")
        }
        do {
            let name = try library.writeRendition(jpeg, stem: "show-artwork", fileExtension: "jpg")
            try await library.keep(.rendition(name), contentType: "image/jpeg")
            try await settings.setSettings([.show(.artwork): name])
            return name
        } catch {
            throw DiskSpace.isFileSystemFull(error) ? .noSpace("\(error)") : .engine("the artwork could not be stored: \(error)")
        }
    }

    package func fileName(for show: ShowSettings) async throws -> String {
        if let name = show.artwork { return name }
        let digest = SHA256.hash(data: Data(show.title.utf8)).prefix(6).hexString
        let name = "show-card.\(digest).jpg"
        if try await !library.exists(.rendition(name)) {
            let title = show.title
            let data = try await threadPool.runImageWork { try ShowArtwork.titleCard(title) }
            try library.writeRendition(data, named: name)
            try await library.keep(.rendition(name), contentType: "image/jpeg")
        }
        return name
    }
}
