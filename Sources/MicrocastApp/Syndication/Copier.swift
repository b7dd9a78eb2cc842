import Foundation
import MediaKit
import MicrocastCore
import NIOPosix

/// A copy as the network knows it.
package struct RemotePost: Sendable, Equatable {
    /// A Mastodon status id; an AT Protocol record key.
    package var id: String
    /// Where people see it.
    package var url: String
}

/// A response read from a network, before it becomes a mention.
package struct NetworkResponse: Sendable, Equatable {
    package var kind: MentionKind
    /// Its own page; for a like or a repost, the copy's page with who did it.
    package var url: String
    package var authorName: String
    package var authorURL: String
    package var authorPhoto: String
    /// Sanitised HTML (a reply's words).
    package var contentHTML: String
    package var published: Date?
}

/// One network's side of keeping a copy: post, change, delete, read
/// responses. `credentials` carries what a call renewed (a Bluesky
/// session), for the job to save.
package protocol Copier: Sendable {
    /// Whether the network edits a post in place (Mastodon) or the copy is
    /// replaced by a new post (Bluesky, which has no edits).
    var editsInPlace: Bool { get }
    var credentials: SyndicationCredentials { get }
    /// A new key for a write (sent with every try of it).
    func newWriteKey() -> String
    /// Posts the plan under `key`: a retry with the same key never makes a second post.
    mutating func post(_ plan: CopyPlan, key: String, permalink: String) async throws -> RemotePost
    /// Changes the copy in place (only where `editsInPlace`); `sameFiles` when its media are as last sent.
    mutating func edit(_ plan: CopyPlan, remote: RemotePost, sameFiles: Bool) async throws -> RemotePost
    mutating func delete(_ remote: RemotePost) async throws
    /// Replies, likes and reposts, without the account's own.
    mutating func responses(to remote: RemotePost) async throws -> [NetworkResponse]
}

/// The files of a plan, found in the media folder and, where the network
/// needs them smaller, made smaller on the media threads first.
package struct CopyFiles: Sendable {
    let library: MediaLibrary
    let threadPool: NIOThreadPool

    /// The file to send for `file`, and a clean-up for a made one.
    package func path(for file: CopyFile, maxBytes: Int) async throws -> (url: URL, made: Bool) {
        let rendition = try await library.localFile(.rendition(file.fileName))
        guard file.needsShrinking else { return (rendition, false) }
        let data = try await threadPool.runImageWork { try FitToBytes.jpeg(path: rendition.path, maxBytes: maxBytes) }
        let made = library.newUploadPath()
        try data.write(to: made)
        return (made, true)
    }
}
