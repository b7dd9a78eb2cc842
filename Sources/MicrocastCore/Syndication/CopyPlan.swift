import Crypto
import Foundation

/// A file a copy carries: one of the post's renditions, chosen for the network.
public struct CopyFile: Sendable, Equatable {
    /// What the file is in the copy.
    public enum Role: String, Sendable, Equatable {
        case image, video, audio
        /// A link card's picture (Bluesky's episode card).
        case thumbnail
    }

    public var role: Role
    /// A file in the media folder's renditions.
    public var fileName: String
    public var mimeType: String
    public var byteCount: Int64
    public var width: Int
    public var height: Int
    /// The description read to those who cannot see it.
    public var alt: String
    /// Larger than the network takes: to be made smaller before it is sent
    /// (a photo re-encoded under Bluesky's 1,000,000 bytes).
    public var needsShrinking: Bool

    public init(
        role: Role,
        fileName: String,
        mimeType: String,
        byteCount: Int64,
        width: Int,
        height: Int,
        alt: String,
        needsShrinking: Bool
    ) {
        self.role = role
        self.fileName = fileName
        self.mimeType = mimeType
        self.byteCount = byteCount
        self.width = width
        self.height = height
        self.alt = alt
        self.needsShrinking = needsShrinking
    }
}

/// A link card (Bluesky's `app.bsky.embed.external`): an episode's page.
public struct CopyLinkCard: Sendable, Equatable {
    public var url: String
    public var title: String
    public var description: String
    public var thumbnail: CopyFile?
}

/// Everything one copy of a post says, fitted to one network.
public struct CopyPlan: Sendable, Equatable {
    public var text: FittedText
    public var files: [CopyFile]
    public var card: CopyLinkCard?
    /// What was sent, as one value: an update that changes none of it sends nothing.
    public var digest: String

    /// Plans the copy of `post` for a network with `limits`.
    public static func make(
        post: Post,
        media: [String: MediaItem],
        renditions: [String: RenditionSet],
        urls: SiteURLs,
        service: SyndicationService,
        limits: NetworkLimits
    ) -> CopyPlan {
        func item(_ value: JSONValue) -> (MediaItem, RenditionSet)? {
            guard let id = value.urlValue.flatMap(urls.mediaId(fromURL:)), let item = media[id], item.state == .ready else { return nil }
            return (item, renditions[id] ?? RenditionSet())
        }
        var files: [CopyFile] = []
        var card: CopyLinkCard?
        var notes: [String] = []
        let permalink = urls.post(slug: post.slug)
        let title = post.properties["name"]?.first?.stringValue
        let words = PostBuilder.contentText(post.properties["content"]?.first) ?? post.properties["summary"]?.first?.stringValue ?? ""

        let photos = (post.properties["photo"] ?? []).compactMap { value in item(value).map { (value, $0.0, $0.1) } }
        let video = (post.properties["video"] ?? []).lazy.compactMap(item).first
        let audio = (post.properties["audio"] ?? []).lazy.compactMap(item).first

        if let (videoItem, set) = video, let file = set.largestVideo {
            let tooLong = limits.videoSeconds.map { (file.duration ?? videoItem.duration ?? 0) > $0 } ?? false
            if file.byteCount <= limits.videoBytes, !tooLong, limits.accepts(file.mimeType) {
                files.append(copyFile(.video, file, alt: videoItem.alt ?? title ?? ""))
            } else {
                notes.append("Video at the link")
            }
        } else if let (episode, set) = audio, let file = set.podcastFile {
            let artwork = set.jpeg(atMost: 1000).map { copyFile(.thumbnail, $0, alt: "", limit: limits.imageBytes) }
            if service == .bluesky {
                let description = String(words.prefix(300))
                card = CopyLinkCard(url: permalink, title: title ?? episode.originalName ?? "Episode", description: description, thumbnail: artwork)
            } else if file.byteCount <= limits.videoBytes, limits.accepts(file.mimeType) {
                files.append(copyFile(.audio, file, alt: title ?? ""))
            } else {
                notes.append("Listen at the link")
            }
        }
        if files.isEmpty || files.allSatisfy({ $0.role != .video }) {
            let room = service == .mastodon ? max(0, limits.maxImages - files.count) : (files.isEmpty ? limits.maxImages : 0)
            for (value, photo, set) in photos.prefix(room) {
                guard let chosen = image(from: set, limits: limits) else { continue }
                let alt = value.objectValue?["alt"]?.stringValue ?? photo.alt ?? ""
                files.append(copyFile(.image, chosen.rendition, alt: alt, shrink: chosen.shrink))
            }
            if photos.count > room, !photos.isEmpty {
                let shown = min(room, photos.count)
                notes.append(shown == 0 ? "\(photos.count) photos at the link" : "\(shown) of \(photos.count) photos; all at the link")
            }
        } else if !photos.isEmpty {
            notes.append("\(photos.count) photo\(photos.count == 1 ? "" : "s") at the link")
        }

        let source = CopySource(
            title: title,
            text: words,
            permalink: permalink,
            tags: (post.properties["category"] ?? []).compactMap(\.stringValue),
            note: notes.isEmpty ? nil : notes.joined(separator: ". ") + "."
        )
        let text = CopyText.fit(source, limits: limits)
        return CopyPlan(text: text, files: files, card: card, digest: digest(text: text.text, files: files, card: card))
    }

    /// The widest JPEG within the network's bytes and pixels; else the
    /// narrowest, marked to be made smaller.
    static func image(from set: RenditionSet, limits: NetworkLimits) -> (rendition: Rendition, shrink: Bool)? {
        let jpegs = set.jpegs
        func fits(_ rendition: Rendition) -> Bool {
            rendition.byteCount <= limits.imageBytes && rendition.width * rendition.height <= limits.imagePixels ?? .max
        }
        if let fits = jpegs.last(where: fits) {
            return (fits, false)
        }
        return jpegs.first.map { ($0, true) }
    }

    static func copyFile(_ role: CopyFile.Role, _ rendition: Rendition, alt: String, shrink: Bool = false, limit: Int? = nil) -> CopyFile {
        CopyFile(
            role: role,
            fileName: rendition.fileName,
            mimeType: rendition.mimeType,
            byteCount: rendition.byteCount,
            width: rendition.width,
            height: rendition.height,
            alt: alt,
            needsShrinking: shrink || limit.map { rendition.byteCount > $0 } ?? false
        )
    }

    public static func digest(text: String, files: [CopyFile], card: CopyLinkCard?) -> String {
        var hasher = SHA256()
        hasher.update(data: Data(text.utf8))
        for file in files { hasher.update(data: Data("\n\(file.role.rawValue) \(file.fileName) \(file.alt)".utf8)) }
        if let card { hasher.update(data: Data("\ncard \(card.url) \(card.title) \(card.description) \(card.thumbnail?.fileName ?? "")".utf8)) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
