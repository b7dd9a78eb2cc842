import Foundation

/// A post as an ActivityStreams object, the way Mastodon shows it best.
///
/// Every kind is a `Note`: Mastodon renders an `Article` (or any type it
/// "converts") as its title and a link only, dropping the text and the
/// attachments, while a `Note` shows its whole content with photos, video
/// and audio playable in place (Mastodon's `ActivityPub::Activity::Create`,
/// `converted_object_type?`). A post's title leads its content instead,
/// and is its `name` for servers that show one.
public enum PostObject {
    public static func make(
        post: Post,
        media: [String: MediaItem],
        renditions: [String: RenditionSet],
        site: SiteInfo,
        artworkURL: String?
    ) -> JSONValue {
        let urls = site.urls
        let presenter = EntryPresenter(site: site)
        let permalink = urls.post(slug: post.slug)
        let title = post.properties["name"]?.first?.stringValue
        var content = presenter.contentHTML(post.properties["content"]?.first)
        if let title, !title.isEmpty { content = "<p><strong>\(HTML.escape(title))</strong></p>" + content }
        if content.isEmpty { content = "<p><a href=\"\(HTML.escape(permalink))\">\(HTML.escape(permalink))</a></p>" }

        func item(_ value: JSONValue) -> (MediaItem, RenditionSet)? {
            guard let id = value.urlValue.flatMap(urls.mediaId(fromURL:)), let item = media[id], item.state == .ready else { return nil }
            return (item, renditions[id] ?? RenditionSet())
        }
        var attachments: [JSONValue] = []
        for value in post.properties["photo"] ?? [] {
            guard let (photo, set) = item(value), let rendition = set.jpeg(atMost: 1280) else { continue }
            var image: [String: JSONValue] = [
                "type": "Image",
                "mediaType": .string(rendition.mimeType),
                "url": .string(urls.rendition(fileName: rendition.fileName)),
                "name": .string(value.objectValue?["alt"]?.stringValue ?? photo.alt ?? ""),
                "width": .integer(Int64(rendition.width)),
                "height": .integer(Int64(rendition.height)),
            ]
            if let hash = photo.placeholder, hash.count > 5, !hash.hasPrefix("data:") { image["blurhash"] = .string(hash) }
            attachments.append(.object(image))
        }
        for value in post.properties["video"] ?? [] {
            guard let (video, set) = item(value), let file = set.largestVideo else { continue }
            attachments.append(
                .object([
                    "type": "Video",
                    "mediaType": .string(file.mimeType),
                    "url": .string(urls.rendition(fileName: file.fileName)),
                    "name": .string(video.alt ?? title ?? ""),
                    "width": .integer(Int64(file.width)),
                    "height": .integer(Int64(file.height)),
                ])
            )
        }
        for value in post.properties["audio"] ?? [] {
            guard let (_, set) = item(value), let file = set.podcastFile else { continue }
            attachments.append(
                .object([
                    "type": "Audio", "mediaType": .string(file.mimeType), "url": .string(urls.rendition(fileName: file.fileName)),
                    "name": .string(title ?? ""),
                ])
            )
            // The artwork beside the audio: Mastodon shows it as the player's picture.
            if let art = set.jpeg(atMost: 1400).map({ urls.rendition(fileName: $0.fileName) }) ?? artworkURL {
                attachments.append(.object(["type": "Image", "mediaType": "image/jpeg", "url": .string(art), "name": .string(title ?? "")]))
            }
        }
        let tags: [JSONValue] = (post.properties["category"] ?? []).compactMap(\.stringValue).map { category in
            let name = CopyText.hashtags([category], skipping: "").first ?? "#" + category
            return .object(["type": "Hashtag", "name": .string(name), "href": .string(urls.tag(category))])
        }
        var object: [String: JSONValue] = [
            "id": .string(permalink),
            "type": "Note",
            "url": .string(permalink),
            "attributedTo": .string(urls.actor),
            "to": .array([.string(ActivityStreams.publicAddress)]),
            "cc": .array([.string(urls.followers)]),
            "published": .string(Self.timestamp(post.published)),
            "content": .string(content),
            "attachment": .array(attachments),
            "tag": .array(tags),
            "sensitive": .bool(false),
        ]
        if let title, !title.isEmpty { object["name"] = .string(title) }
        if let updated = post.updated { object["updated"] = .string(Self.timestamp(updated)) }
        if let reply = post.properties["in-reply-to"]?.first?.urlValue { object["inReplyTo"] = .string(reply) }
        return .object(object)
    }

    /// XSD dateTime in UTC, as ActivityPub servers read it.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
