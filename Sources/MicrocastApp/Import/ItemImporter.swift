import Foundation
import MediaModel
import MicrocastCore
import NIOPosix

/// Brings one item in, for every importer: its files fetched through the
/// safe fetcher (or copied from a folder the owner named), stored and
/// processed exactly like uploads, their URLs put in the post, then the post
/// published the one way every post is, remembered by the item's key in the
/// same transaction, quiet unless the owner asked. Its old address and the
/// comments it had follow.
struct ItemImporter: Sendable {
    let fetcher: SafeFetcher
    let files: FileAdoption
    let publishing: Publishing
    let ingests: any IngestRepository
    let redirects: any RedirectRepository
    let mentions: any MentionRepository
    let urls: SiteURLs

    struct Options: Sendable {
        /// Keep the recording as it came instead of processing it.
        var keepAudio = false
        var announce = false
        /// Where the items came from, kept with each (a feed's URL, an export's file name).
        var source: String
        /// A recording may take this long to download.
        var recordingTime = Duration.seconds(3600)
    }

    var limits: MediaLimits { files.intake.limits }
    var library: MediaLibrary { files.library }

    /// The post an earlier run made of this item, if one did; its old address is kept again on the way.
    func earlier(_ item: ImportItem) async throws -> String? {
        guard let record = try await ingests.ingest(hash: item.key) else { return nil }
        try await rememberOldAddresses(item.oldURLs, slug: record.postSlug)
        return urls.post(slug: record.postSlug)
    }

    func run(_ item: ImportItem, options: Options, bytes: ByteTally, report: @escaping @Sendable (ImportEvent) -> Void) async -> ImportOutcome {
        do {
            var stored: [(file: ImportItem.File, media: MediaItem)] = []
            for file in item.files {
                do {
                    let counted = ByteTally()
                    let isRecording = file.placement == .recording
                    let received = try await receive(file, time: isRecording ? options.recordingTime : .seconds(300)) { now in
                        if isRecording { report(.downloaded(bytes: bytes.add(now - counted.replace(with: now)))) }
                    }
                    let media = try await files.adopt(received, alt: file.alt, processing: !(file.placement == .recording && options.keepAudio))
                    if file.placement == .recording && media.kind != .audio && media.kind != .video {
                        throw FileAdoption.Failed(reason: "its recording is not audio or video (\(media.mimeType))")
                    }
                    stored.append((file, media))
                } catch  where !file.isRequired {
                    report(.note("\(item.title): its \(file.role) was left out: \(Self.reason(error))"))
                }
            }
            // Required files must process; another that fails is left out, not the item.
            var create = item.create
            var replacements: [(old: String, new: String)] = []
            for (file, media) in stored {
                let ready: MediaItem
                do {
                    guard let done = try await files.processed([media.id]).first else { continue }
                    ready = done
                } catch  where !file.isRequired {
                    report(.note("\(item.title): its \(file.role) was left out: \(Self.reason(error))"))
                    continue
                }
                let url = urls.original(fileName: ready.fileName)
                switch file.placement {
                case .recording: create.properties[ready.kind == .video ? "video" : "audio", default: []].append(.string(url))
                case .property(let name):
                    let value: JSONValue = file.alt.map { .object(["value": .string(url), "alt": .string($0)]) } ?? .string(url)
                    create.properties[name, default: []].append(value)
                case .content: break
                }
                replacements += file.replaces.map { ($0, url) }
            }
            create = ImportedContent.rewrite(create, replacing: replacements)
            let saved = try await publishing.create(create, ingestHash: item.key, source: options.source, announce: options.announce)
            try await rememberOldAddresses(item.oldURLs, slug: saved.record.postSlug)
            if !item.responses.isEmpty { try await mentions.recordResponses(responses(item, slug: saved.record.postSlug)) }
            let post = urls.post(slug: saved.record.postSlug)
            return saved.created ? .imported(url: post) : .alreadyImported(url: post)
        } catch {
            return .failed(reason: Self.reason(error))
        }
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let failed as FileAdoption.Failed: failed.reason
        case let refused as MicropubError: refused.description
        default: "\(error)"
        }
    }

    /// A file as a received upload: downloaded, or copied from the owner's folder.
    func receive(_ file: ImportItem.File, time: Duration, progress: @escaping @Sendable (Int64) -> Void) async throws -> ReceivedFile {
        let maxBytes =
            file.placement == .property("chapters") || file.placement == .property("transcript")
            ? Int64(limits.maxTextBytes) : limits.maxUploadBytes
        switch file.source {
        case .url(let url):
            let got = try await fetcher.download(url, to: library.newUploadPath(), maxBytes: maxBytes, timeout: time, progress: progress)
            guard got.byteCount > 0 else {
                try? FileManager.default.removeItem(at: got.file)
                throw FileAdoption.Failed(reason: "\(url.absoluteString) is empty")
            }
            return ReceivedFile(
                field: file.role,
                temporaryFile: got.file,
                byteCount: got.byteCount,
                sha256: got.sha256,
                clientFileName: got.url.lastPathComponent
            )
        case .file(let path):
            let copy = library.newUploadPath()
            let size = try await files.threadPool.runIfActive { () throws -> Int64 in
                try FileManager.default.copyItem(at: path, to: copy)
                return (try FileManager.default.attributesOfItem(atPath: copy.path)[.size] as? NSNumber)?.int64Value ?? 0
            }
            guard size > 0, size <= maxBytes else {
                try? FileManager.default.removeItem(at: copy)
                throw FileAdoption.Failed(reason: "\(path.lastPathComponent) is empty or larger than the limit")
            }
            let digest = try await files.threadPool.runIfActive { try FileDigest.sha256(copy).hexString }
            return ReceivedFile(field: file.role, temporaryFile: copy, byteCount: size, sha256: digest, clientFileName: path.lastPathComponent)
        }
    }

    /// The item's page at its old home answers here with a 301 once its
    /// domain points here. Kept after the post (an interrupted run's next run
    /// adds it), and never over a redirect already there.
    func rememberOldAddresses(_ old: [URL], slug: String) async throws {
        for key in old.compactMap({ RedirectPath.key($0.absoluteString) }) {
            if try await redirects.redirect(path: key) == nil {
                try await redirects.setRedirect(Redirect(path: key, target: SitePath.post(slug: slug).path))
            }
        }
    }

    /// The old site's comments as replies shown under the post (they were approved there).
    func responses(_ item: ImportItem, slug: String) -> [Mention] {
        let target = urls.post(slug: slug)
        return item.responses.map { response in
            Mention(
                id: MentionIdentifier.make(),
                source: (item.oldURLs.first?.absoluteString ?? target) + "#comment-" + response.id,
                target: target,
                postSlug: slug,
                state: .shown,
                kind: .reply,
                author: MentionAuthor(name: response.authorName, url: response.authorURL.flatMap(LinkPolicy.renderable) ?? ""),
                contentHTML: response.contentHTML,
                published: response.published,
                receivedAt: response.published,
                via: Mention.imported
            )
        }
    }
}

/// What became of one imported item.
public enum ImportOutcome: Sendable, Equatable {
    case imported(url: String)
    /// Imported by an earlier run: nothing was done.
    case alreadyImported(url: String)
    case failed(reason: String)
}
