import Foundation

/// The photos page: every photo of the posts given, newest first, as the
/// smallest JPEG that fills a grid cell on a dense screen.
public enum PhotoGrid {
    /// The most photos the page shows.
    public static let capacity = 240

    public static func items(
        _ posts: [Post],
        site: SiteInfo,
        media: [String: MediaItem],
        renditions: [String: RenditionSet]
    )
        -> [GridItemView]
    {
        var grid: [GridItemView] = []
        for post in posts {
            for value in post.properties["photo"] ?? [] where grid.count < capacity {
                guard let url = value.urlValue, let id = site.urls.mediaId(fromURL: url), let item = media[id],
                    // A photo not yet processed waits: its original may carry a location.
                    let thumbnail = renditions[id]?.jpeg(atLeast: 320)
                else { continue }
                grid.append(
                    GridItemView(
                        postURL: site.urls.post(slug: post.slug),
                        src: site.urls.rendition(fileName: thumbnail.fileName),
                        alt: value.objectValue?["alt"]?.stringValue ?? item.alt ?? "",
                        width: thumbnail.width,
                        height: thumbnail.height,
                        placeholder: item.placeholder ?? "",
                        loading: grid.count < 8 ? "eager" : "lazy"
                    )
                )
            }
        }
        return grid
    }
}

extension OpenGraphView {
    /// Sharing tags for a post's page: its name or the start of its text, its
    /// first processed photo (or video poster, or for an episode the show's
    /// artwork), and its playable file once there is one to offer.
    /// - Parameters:
    ///   - show: the podcast show, for episodes.
    ///   - artworkURL: the show's artwork, for episodes.
    public static func make(_ entry: EntryView, site: SiteInfo, show: ShowSettings?, artworkURL: String?) -> OpenGraphView {
        let text = PostBuilder.stripTags(entry.contentHTML)
        let title = entry.hasName ? entry.name : (text.isEmpty ? site.title : String(text.prefix(70)))
        let description = entry.hasSummary ? entry.summary : String(text.prefix(200))
        let photo = entry.photos.first { !$0.isPending }
        var image = photo?.src ?? entry.videos.first.flatMap { $0.poster.isEmpty ? nil : $0.poster } ?? ""
        var imageAlt = photo?.alt ?? title
        // A failed job's page offers no file: its original was never made ready to publish.
        let audio = entry.audios.first { $0.isAvailable }
        let video = entry.videos.first { $0.isAvailable }
        if image.isEmpty, let show, let artworkURL {
            image = artworkURL
            imageAlt = "\(show.title) artwork"
        }
        return OpenGraphView(
            type: "article",
            title: title,
            description: description,
            url: entry.url,
            image: image,
            imageAlt: imageAlt,
            audio: audio?.src ?? "",
            audioType: audio?.mimeType ?? "",
            video: video?.src ?? "",
            videoType: video?.mimeType ?? "",
            twitterCard: entry.photos.isEmpty && entry.videos.isEmpty ? "summary" : "summary_large_image"
        )
    }
}
