import Crypto
import Foundation
import MediaKit
import MicrocastCore
import NIOPosix

/// What became of one dropped item.
public enum IngestOutcome: Sendable, Equatable {
    case posted(url: String)
    /// The same bytes were posted before; nothing new was made.
    case duplicate(url: String)
    case failed(reason: String)
}

/// Takes one dropped item through the same path as a Micropub upload and
/// post: store the files, wait for their processing, then publish.
///
/// Every step can be repeated after a crash: files already stored are found
/// again by their hash, and the post is saved in the same transaction as the
/// record of its hash, so the same bytes never make two posts.
public struct Ingester: Sendable {
    let files: FileAdoption
    /// Posts are made the one way every post is.
    let publishing: Publishing
    let ingests: any IngestRepository
    let urls: SiteURLs
    let threadPool: NIOThreadPool

    public func ingest(_ item: DropItem, defaultPublished: Date) async -> IngestOutcome {
        do {
            return try await run(item, defaultPublished: defaultPublished)
        } catch let error as IngestFailure {
            return .failed(reason: error.reason)
        } catch let error as FileAdoption.Failed {
            return .failed(reason: error.reason)
        } catch let error as MicropubError {
            return .failed(reason: error.description)
        } catch {
            return .failed(reason: "\(error)")
        }
    }

    private func run(_ item: DropItem, defaultPublished: Date) async throws -> IngestOutcome {
        var sidecar = Sidecar()
        if let file = item.sidecar {
            do {
                sidecar = try Sidecar(json: try Data(contentsOf: file))
            } catch {
                throw IngestFailure(reason: "\(file.lastPathComponent) cannot be read: \(error)")
            }
        }

        let hashes = try await threadPool.runIfActive { try item.files.map(Self.sha256) }
        // One file is known by its own hash; a folder by the hashes of its files in order.
        let itemHash = hashes.count == 1 ? hashes[0] : Self.sha256(Data(hashes.joined(separator: "\n").utf8))
        if let earlier = try await ingests.ingest(hash: itemHash) {
            return .duplicate(url: urls.post(slug: earlier.postSlug))
        }

        var stored: [MediaItem] = []
        for (index, (file, hash)) in zip(item.files, hashes).enumerated() {
            let alt = item.isFolder ? (index < sidecar.alt.count ? sidecar.alt[index] : nil) : sidecar.alt.first
            do {
                stored.append(try await files.copyIn(file, hash: hash, alt: alt))
            } catch let error as MicropubError {
                let what = item.isFolder ? "\(file.lastPathComponent): " : ""
                throw IngestFailure(reason: what + error.description)
            }
        }
        let ready = try await files.processed(stored.map(\.id))

        let create: MicropubCreate
        do {
            create = try IngestPost.create(
                name: item.name,
                isFolder: item.isFolder,
                media: ready.map { media in
                    IngestedMedia(
                        url: urls.original(fileName: media.fileName),
                        kind: media.kind,
                        title: media.probe.tags["title"],
                        takenAt: media.probe.tags["creation_time"].flatMap(PostBuilder.parseDate)
                    )
                },
                sidecar: sidecar,
                defaultPublished: defaultPublished
            )
        } catch {
            throw IngestFailure(reason: error.description)
        }
        let saved = try await publishing.create(create, ingestHash: itemHash, source: item.name)
        let url = urls.post(slug: saved.record.postSlug)
        return saved.created ? .posted(url: url) : .duplicate(url: url)
    }

    static func sha256(_ file: URL) throws -> String {
        do {
            return try FileDigest.sha256(file).hexString
        } catch {
            throw IngestFailure(reason: "\(file.lastPathComponent) cannot be read")
        }
    }

    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).hexString }
}

struct IngestFailure: Error {
    var reason: String
}
