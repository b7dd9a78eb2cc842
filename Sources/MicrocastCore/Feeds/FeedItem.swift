import Foundation

/// A media file as a feed carries it: exact URL, type, byte length and duration.
public struct FeedEnclosure: Sendable, Hashable {
    public var url: String
    public var mimeType: String
    public var byteCount: Int64
    public var duration: Double?
    public var bitRate: Int?
}

/// A picture as feed readers show it: a processed JPEG (never a still
/// photo's original, which may carry a location), with its alt text.
public struct FeedPicture: Sendable, Hashable {
    public var url: String
    public var mimeType: String
    public var width: Int
    public var height: Int
    public var alt: String
    /// Where the picture links (a video's MP4); nil for a photo.
    public var link: String?
}

/// A post as every feed sees it; built once, rendered as RSS or JSON Feed.
public struct FeedItem: Sendable, Hashable {
    public var url: String
    /// What apps know the item by: its permalink, or the `uid` it came with
    /// (an imported episode keeps its old host's guid, so no app downloads it again).
    public var guid: String
    public var title: String
    public var hasOwnTitle: Bool
    public var published: Date
    public var updated: Date?
    public var contentHTML: String
    public var summary: String
    public var tags: [String]
    /// The episode's main file (the MP3 for audio), if the post has one that is ready.
    public var enclosure: FeedEnclosure?
    /// The same audio in other encodings (the M4A), for `podcast:alternateEnclosure`.
    public var alternates: [FeedEnclosure]
    /// The Podcasting 2.0 chapters file, when the recording has chapters.
    public var chaptersURL: String?
    /// The waveform summary (audiowaveform JSON), for players.
    public var waveformURL: String?
    /// Transcripts (`podcast:transcript`).
    public var transcripts: [FeedTranscript]
    public var image: String?
    /// The post's photos in order, or a video's poster linking to the video.
    public var pictures: [FeedPicture]
    public var isEpisode: Bool
    public var episode: Int?
    public var season: Int?
    public var episodeType: String
    /// The episode's own explicit flag, when it has one; else the show's holds.
    public var explicit: Bool?

    /// Whether `guid` is the permalink (RSS's `isPermaLink`).
    public var guidIsPermaLink: Bool { guid == url }
}

/// Builds feed items from posts and what the library knows of their media.
public struct FeedItemBuilder: Sendable {
    public let presenter: EntryPresenter

    public init(site: SiteInfo) { presenter = EntryPresenter(site: site) }

    /// The first `count` characters; short texts (by their UTF-8 length, which
    /// is never less than their character count) are returned without
    /// walking their characters, the costly part of `prefix`.
    static func prefix(_ text: String, _ count: Int) -> String {
        text.utf8.count <= count ? text : String(text.prefix(count))
    }

    public func items(_ posts: [Post], media: [String: MediaItem], renditions: [String: RenditionSet]) -> [FeedItem] {
        posts.map { item($0, media: media, renditions: renditions) }
    }

    /// Computes only what feeds print (not the page's players, srcsets and
    /// dates), since a large feed builds thousands of these at once.
    public func item(_ post: Post, media: [String: MediaItem], renditions: [String: RenditionSet]) -> FeedItem {
        let urls = presenter.site.urls
        let name = post.properties["name"]?.first?.stringValue ?? ""
        let contentHTML = presenter.contentHTML(post.properties["content"]?.first)
        let summary = post.properties["summary"]?.first?.stringValue ?? ""
        let plain = PostBuilder.stripTags(contentHTML)
        let title = !name.isEmpty ? name : (plain.isEmpty ? DateText.long(post.published) : Self.prefix(plain, 80))
        var enclosure: FeedEnclosure?
        var alternates: [FeedEnclosure] = []
        var chaptersURL: String?
        var waveformURL: String?
        var posterURL: String?
        var posterSize: (width: Int, height: Int)?
        let audioURL = post.properties["audio"]?.first?.urlValue
        let videoURL = post.properties["video"]?.first?.urlValue
        if let url = audioURL ?? videoURL, let id = urls.mediaId(fromURL: url), let item = media[id] {
            let set = renditions[id] ?? RenditionSet()
            // Largest video first: the enclosure of /feed.xml is the best copy.
            var made = set.all.filter { $0.duration != nil }
            if made.count > 1 { made.sort { $0.width > $1.width } }
            if item.kind == .video, let poster = set.poster {
                posterURL = urls.rendition(fileName: poster.fileName)
                posterSize = (poster.width, poster.height)
            }
            chaptersURL = set.chapters.map { urls.rendition(fileName: $0.fileName) }
            waveformURL = set.waveform.map { urls.rendition(fileName: $0.fileName) }
            switch item.state {
            case .ready where !made.isEmpty:
                let files = made.map {
                    FeedEnclosure(
                        url: urls.rendition(fileName: $0.fileName),
                        mimeType: $0.mimeType,
                        byteCount: $0.byteCount,
                        duration: $0.duration,
                        bitRate: $0.bitRate
                    )
                }
                // MP3 first: every podcast app plays it.
                let ordered = files.filter { $0.mimeType == "audio/mpeg" } + files.filter { $0.mimeType != "audio/mpeg" }
                enclosure = ordered.first
                alternates = Array(ordered.dropFirst())
            case .ready:
                enclosure = FeedEnclosure(
                    url: urls.original(fileName: item.fileName),
                    mimeType: item.mimeType,
                    byteCount: item.byteCount,
                    duration: item.duration,
                    bitRate: nil
                )
            case .processing, .failed:
                // Never the unprocessed original: an enclosure URL must not change under a listener.
                enclosure = nil
            }
        }
        // A chapters file the owner uploaded and linked wins over the one made from the recording.
        if let linked = post.properties["chapters"]?.first?.urlValue.flatMap(LinkPolicy.renderable) { chaptersURL = linked }
        let uploaded: [FeedTranscript] = (post.properties["transcript"] ?? []).compactMap { value in
            guard let url = value.urlValue else { return nil }
            if let id = urls.mediaId(fromURL: url), let item = media[id] { return FeedTranscript(url: url, mimeType: item.mimeType) }
            guard LinkPolicy.isRenderable(url) else { return nil }
            if url.hasSuffix(".vtt") { return FeedTranscript(url: url, mimeType: "text/vtt") }
            if url.hasSuffix(".srt") { return FeedTranscript(url: url, mimeType: "application/x-subrip") }
            return nil
        }
        // A transcript the owner uploaded wins over the one made from the recording.
        let made: [FeedTranscript] = ((audioURL ?? videoURL).flatMap(urls.mediaId(fromURL:)).flatMap { renditions[$0] }?.transcripts ?? [])
            .compactMap { rendition in
                guard case .transcript(let format, let language) = rendition.role else { return nil }
                return FeedTranscript(
                    url: urls.rendition(fileName: rendition.fileName),
                    mimeType: rendition.mimeType,
                    language: language,
                    isCaptions: format == .vtt || format == .srt
                )
            }
        let transcripts = uploaded.isEmpty ? made : uploaded
        func number(_ name: String) -> Int? {
            switch post.properties[name]?.first {
            case .integer(let value)?: Int(value)
            case .string(let text)?: Int(text)
            default: nil
            }
        }
        var pictures = (post.properties["photo"] ?? []).compactMap { picture($0, media: media, renditions: renditions) }
        if pictures.isEmpty, let posterURL, let posterSize, let video = enclosure {
            pictures = [
                FeedPicture(
                    url: posterURL,
                    mimeType: "image/jpeg",
                    width: posterSize.width,
                    height: posterSize.height,
                    alt: name.isEmpty ? "Video" : name,
                    link: video.url
                )
            ]
        }
        let image = pictures.first?.url ?? posterURL
        let url = urls.post(slug: post.slug)
        return FeedItem(
            url: url,
            guid: post.strings("uid").first.flatMap { $0.isEmpty ? nil : $0 } ?? url,
            title: title,
            hasOwnTitle: !name.isEmpty,
            published: post.published,
            updated: post.updated,
            contentHTML: contentHTML,
            summary: summary.isEmpty ? Self.prefix(plain, 500) : summary,
            tags: post.strings("category"),
            enclosure: enclosure,
            alternates: alternates,
            chaptersURL: chaptersURL,
            waveformURL: waveformURL,
            transcripts: transcripts,
            image: image,
            pictures: pictures,
            isEpisode: audioURL != nil && enclosure != nil,
            episode: number("episode"),
            season: number("season"),
            episodeType: post.strings("episode-type").first.flatMap { ["full", "trailer", "bonus"].contains($0) ? $0 : nil } ?? "full",
            explicit: post.properties["explicit"]?.first.flatMap { value in
                if case .bool(let flag) = value { return flag }
                return value.stringValue.flatMap { ["true": true, "false": false][$0] }
            }
        )
    }

    /// The JPEG a reader shows for one photo value: the largest up to 1280 px,
    /// as on the page. A photo of ours not yet processed has none (its original
    /// may carry a location); an animated GIF is itself; another site's photo
    /// is linked as the post gave it.
    func picture(_ value: JSONValue, media: [String: MediaItem], renditions: [String: RenditionSet]) -> FeedPicture? {
        guard let url = value.urlValue else { return nil }
        let given = value.objectValue?["alt"]?.stringValue ?? ""
        guard let id = presenter.site.urls.mediaId(fromURL: url) else {
            guard LinkPolicy.isRenderable(url) else { return nil }
            return FeedPicture(url: url, mimeType: "", width: 0, height: 0, alt: given, link: nil)
        }
        guard let item = media[id] else { return nil }
        let alt = given.isEmpty ? (item.alt ?? "") : given
        if item.isAnimated {
            return FeedPicture(
                url: presenter.site.urls.original(fileName: item.fileName),
                mimeType: item.mimeType,
                width: item.width ?? 0,
                height: item.height ?? 0,
                alt: alt,
                link: nil
            )
        }
        guard let shown = renditions[id]?.jpeg(atMost: 1280) else { return nil }
        return FeedPicture(
            url: presenter.site.urls.rendition(fileName: shown.fileName),
            mimeType: shown.mimeType,
            width: shown.width,
            height: shown.height,
            alt: alt,
            link: nil
        )
    }
}

extension FeedItem {
    /// What a feed reader shows: every picture in order, then the text. Readers
    /// take `<img>` in the HTML; few read enclosures of images.
    public var readerHTML: String {
        guard !pictures.isEmpty else { return contentHTML }
        var html = ""
        for picture in pictures {
            var image = "<img src=\"\(HTML.escape(picture.url))\" alt=\"\(HTML.escape(picture.alt))\""
            if picture.width > 0 && picture.height > 0 { image += " width=\"\(picture.width)\" height=\"\(picture.height)\"" }
            image += ">"
            if let link = picture.link { image = "<a href=\"\(HTML.escape(link))\">\(image)</a>" }
            html += "<p>\(image)</p>\n"
        }
        return html + contentHTML
    }
}

/// A transcript linked from a feed item (`podcast:transcript`, JSON Feed's attachments).
public struct FeedTranscript: Sendable, Hashable {
    public var url: String
    public var mimeType: String
    /// Nil: the feed's own language.
    public var language: String?
    /// Timed captions (`rel="captions"`).
    public var isCaptions: Bool

    public init(url: String, mimeType: String, language: String? = nil, isCaptions: Bool = false) {
        self.url = url
        self.mimeType = mimeType
        self.language = language
        self.isCaptions = isCaptions || mimeType == "text/vtt" || mimeType == "application/x-subrip"
    }
}
