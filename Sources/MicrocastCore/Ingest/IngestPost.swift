import Foundation
import MediaModel

/// A stored media file as a dropped-file post needs it.
public struct IngestedMedia: Sendable, Equatable {
    public var url: String
    public var kind: MediaKind
    /// The file's own title tag (ID3, MP4), if it has one.
    public var title: String?
    /// When it was recorded or taken, from its own metadata (EXIF, MP4).
    public var takenAt: Date?

    public init(url: String, kind: MediaKind, title: String? = nil, takenAt: Date? = nil) {
        self.url = url
        self.kind = kind
        self.title = title
        self.takenAt = takenAt
    }
}

/// Turns dropped files and their sidecar into a Micropub create, so they
/// become posts exactly as a client's post would.
public enum IngestPost {
    public static func create(
        name: String,
        isFolder: Bool,
        media: [IngestedMedia],
        sidecar: Sidecar,
        defaultPublished: Date
    ) throws(IngestPostError) -> MicropubCreate {
        guard let first = media.first else { throw IngestPostError("there is nothing to post") }
        if isFolder, let other = media.first(where: { $0.kind != .photo }) {
            throw IngestPostError(
                "a folder becomes one post of photos, but it holds \(other.kind == .audio ? "a recording" : "a video") "
                    + "(\(URL(string: other.url)?.lastPathComponent ?? other.url)); put it beside the folder instead"
            )
        }
        guard [MediaKind.photo, .audio, .video].contains(first.kind) else {
            throw IngestPostError("this is not a photo, a recording or a video")
        }

        var properties: MF2Properties = [:]
        if first.kind == .photo {
            properties["photo"] = media.enumerated().map { index, photo in
                let alt = index < sidecar.alt.count ? sidecar.alt[index] : nil
                return alt.map { .object(["value": .string(photo.url), "alt": .string($0)]) } ?? .string(photo.url)
            }
        } else {
            properties[first.kind.rawValue] = [.string(first.url)]
        }
        let stem = ((name as NSString).deletingPathExtension as String)
        let title =
            sidecar.title
            ?? (first.kind == .photo ? nil : first.title ?? readable(stem))
            ?? (isFolder ? name : nil)
        if let title { properties["name"] = [.string(title)] }
        // A sidecar's text is Markdown, as the studio's is: its links are links (and get Webmentions).
        if let content = sidecar.content { properties["content"] = [.markdown(content)] }
        let published = sidecar.published ?? first.takenAt ?? defaultPublished
        properties["published"] = [.string(ISO8601DateFormatter().string(from: published))]
        if !sidecar.categories.isEmpty { properties["category"] = sidecar.categories.map(JSONValue.string) }
        if let episode = sidecar.episode { properties["episode"] = [.integer(Int64(episode))] }
        if let season = sidecar.season { properties["season"] = [.integer(Int64(season))] }
        if sidecar.isDraft { properties["post-status"] = [.string("draft")] }

        var commands: [String: [JSONValue]] = [:]
        if title == nil && sidecar.content == nil {
            let slug = PostBuilder.slugify(stem, maxWords: 6)
            if !slug.isEmpty { commands["mp-slug"] = [.string(slug)] }
        }
        return MicropubCreate(type: "h-entry", properties: properties, commands: commands)
    }

    /// A file name as a title: `episode_12_final` → `episode 12 final`.
    static func readable(_ stem: String) -> String? {
        let words = stem.replacingOccurrences(of: "_", with: " ").trimmingCharacters(in: .whitespaces)
        return words.isEmpty ? nil : words
    }
}

/// Why dropped files cannot become a post, in words for the person who dropped them.
public struct IngestPostError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
