import Foundation
import HTMLKit
import MediaModel

/// Site-wide values every page shows.
public struct SiteInfo: Sendable {
    public var title: String
    public var authorName: String
    public var urls: SiteURLs
    /// The author's photo in their h-card: the show's artwork (the owner's, or its title card).
    public var authorPhotoURL = ""

    public init(title: String, authorName: String, urls: SiteURLs) {
        self.title = title
        self.authorName = authorName
        self.urls = urls
    }
}

/// A post as a template sees it: strings ready to print.
public struct EntryView: Sendable {
    public var url: String
    public var name: String
    public var hasName: Bool
    public var contentHTML: String
    public var hasContent: Bool
    public var published: String
    public var publishedText: String
    public var categories: [String]
    public var hasCategories: Bool
    public var photos: [PhotoView]
    public var audios: [PlayableView]
    public var videos: [PlayableView]
    public var summary: String
    public var hasSummary: Bool
    /// Tag links: name and tag page URL.
    public var tags: [TagView]
    /// Shown on its own page: the name is the page's heading.
    public var isPermalink = false
    /// The pages this post answers (reply, like, repost, bookmark), cited.
    public var responses: [ResponseView] = []
    /// What others said about it (on its own page).
    public var conversation = ConversationView()
    public var hasConversation = false
    /// "2 replies · 3 likes", linked from the timeline.
    public var responseCounts = ""
    /// Copies of this post elsewhere (`u-syndication`), those that may be linked.
    public var syndication: [LinkView] = []
    public var hasSyndication = false
}

/// A link to another site: its URL (allowed by `LinkPolicy`) and what to call it.
public struct LinkView: Sendable {
    public var name: String
    public var url: String

    /// The link for `url`, named by its host; nil when it may not be linked.
    public init?(external url: String) {
        guard let allowed = LinkPolicy.renderable(url) else { return nil }
        self.url = allowed
        name = URLComponents(string: allowed)?.host ?? allowed
    }
}

/// A category link.
public struct TagView: Sendable {
    public var name: String
    public var url: String
}

/// An `<audio>` or `<video>` source.
public struct PlayableView: Sendable {
    public var src: String
    public var mimeType: String
    /// Names the player for screen readers.
    public var label: String
    /// A video's poster frame (empty for audio, or until it is made).
    public var poster: String
    public var hasSize: Bool
    public var width: Int
    public var height: Int
    public var placeholder: String
    /// Chapter links that seek the player (audio with chapters).
    public var chapters: [ChapterView]
    public var hasChapters: Bool
    /// The episode's peaks as inline SVG; empty when there are none.
    public var waveformSVG: String
    /// False when processing failed: the page says so instead of playing the unprocessed original.
    public var isAvailable: Bool
}

/// A `<source>` in a photo's `<picture>`: a modern format, or the still
/// shown instead of an animation to people who asked for less motion.
public struct ImageSourceView: Sendable {
    public var type: String
    public var media: String
    public var srcset: String
}

/// One photo as a `<picture>`: its renditions in every format, its size and placeholder.
public struct PhotoView: Sendable {
    public var src: String
    public var alt: String
    /// JPEG renditions, `url 640w, …`; empty until processing is done.
    public var srcset: String
    public var sources: [ImageSourceView]
    public var sizes: String
    public var hasSize: Bool
    public var width: Int
    public var height: Int
    /// `#rrggbb`, painted behind the image until it loads; empty when unknown.
    public var placeholder: String
    /// `eager` for the first photo a page shows, `lazy` below it.
    public var loading: String
    /// One of ours not yet processed: the page shows a box of its shape, never
    /// the original (which may carry a location).
    public var isPending = false
}

/// Builds template views from posts and what the library knows of their media.
public struct EntryPresenter: Sendable {
    public let site: SiteInfo

    public init(site: SiteInfo) { self.site = site }

    /// Library media ids a post's photo, audio and video properties point at, in order.
    public func mediaIds(in post: Post) -> [String] { Self.mediaIds(in: post, urls: site.urls) }

    /// Library media ids a post's photo, audio, video, transcript and chapters properties point at, in order.
    public static func mediaIds(in post: Post, urls: SiteURLs) -> [String] {
        ["photo", "audio", "video", "transcript", "chapters"].flatMap { property in
            (post.properties[property] ?? []).compactMap { $0.urlValue.flatMap(urls.mediaId(fromURL:)) }
        }
    }

    /// - Parameters:
    ///   - waveforms: peaks by media id, for episodes' players.
    ///   - isFirst: the first entry on its page: its first photo loads at once.
    public func entry(
        _ post: Post,
        media: [String: MediaItem],
        renditions: [String: RenditionSet],
        waveforms: [String: [Int]] = [:],
        isFirst: Bool = true
    ) -> EntryView {
        let name = post.strings("name").first ?? ""
        let content = contentHTML(post.properties["content"]?.first)
        let syndication = (post.properties["syndication"] ?? []).compactMap { $0.urlValue.flatMap(LinkView.init(external:)) }
        var view = EntryView(
            url: site.urls.post(slug: post.slug),
            name: name,
            hasName: !name.isEmpty,
            contentHTML: content,
            hasContent: !content.isEmpty,
            published: DateText.iso8601(post.published),
            publishedText: DateText.long(post.published),
            categories: post.strings("category"),
            hasCategories: !post.strings("category").isEmpty,
            photos: (post.properties["photo"] ?? []).enumerated().compactMap { index, value in
                var view = photo(value, media: media, renditions: renditions)
                view?.loading = isFirst && index == 0 ? "eager" : "lazy"
                return view
            },
            audios: playables(
                post.properties["audio"],
                media: media,
                renditions: renditions,
                waveforms: waveforms,
                fallbackLabel: name.isEmpty ? "Audio" : name
            ),
            videos: playables(
                post.properties["video"],
                media: media,
                renditions: renditions,
                waveforms: [:],
                fallbackLabel: name.isEmpty ? "Video" : name
            ),
            summary: post.strings("summary").first ?? "",
            hasSummary: !(post.strings("summary").first ?? "").isEmpty,
            tags: post.strings("category").map { TagView(name: $0, url: site.urls.tag($0)) }
        )
        view.syndication = syndication
        view.hasSyndication = !syndication.isEmpty
        return view
    }

    /// Players get the encoded file (the MP3, the largest MP4) once it exists,
    /// the original until then.
    func playables(
        _ values: [JSONValue]?,
        media: [String: MediaItem],
        renditions: [String: RenditionSet],
        waveforms: [String: [Int]],
        fallbackLabel: String
    ) -> [PlayableView] {
        (values ?? []).compactMap { value in
            guard let url = value.urlValue else { return nil }
            let id = site.urls.mediaId(fromURL: url)
            // Someone else's file is played from where it is, if it may be linked at all.
            guard id != nil || LinkPolicy.isRenderable(url) else { return nil }
            let item = id.flatMap { media[$0] }
            let alt = value.objectValue?["alt"]?.stringValue ?? item?.alt
            let made = id.flatMap { renditions[$0] } ?? RenditionSet()
            let encoded = made.podcastFile ?? made.largestVideo
            let poster = made.poster
            let width = encoded?.width ?? item?.width ?? 0
            let height = encoded?.height ?? item?.height ?? 0
            let src = encoded.map { site.urls.rendition(fileName: $0.fileName) } ?? url
            let chapters = item?.kind == .audio ? Self.chapters(of: item, src: src) : []
            return PlayableView(
                src: src,
                mimeType: encoded?.mimeType ?? item?.mimeType ?? "",
                label: alt ?? fallbackLabel,
                poster: poster.map { site.urls.rendition(fileName: $0.fileName) } ?? "",
                hasSize: width > 0 && height > 0,
                width: width,
                height: height,
                placeholder: item?.placeholder ?? "",
                chapters: chapters,
                hasChapters: !chapters.isEmpty,
                waveformSVG: id.flatMap { waveforms[$0] }.map { WaveformSVG.render($0) } ?? "",
                isAvailable: encoded != nil || item?.state != .failed
            )
        }
    }

    /// The recording's own chapters (read when it was uploaded), as links
    /// to the played file at each start time (`#t=`, a media fragment).
    static func chapters(of item: MediaItem?, src: String) -> [ChapterView] {
        guard let item else { return [] }
        // A chapter track may outlast the sound; the encoded files drop what starts after it.
        let chapters = item.probe.chapters.filter { chapter in item.duration.map { chapter.start < $0 } ?? true }
        return chapters.enumerated().map { index, chapter in
            let seconds = Int(chapter.start.rounded(.down))
            return ChapterView(
                title: chapter.title ?? "Chapter \(index + 1)",
                time: DateText.clock(seconds),
                seconds: seconds,
                href: src + "#t=\(seconds)"
            )
        }
    }

    func photo(_ value: JSONValue, media: [String: MediaItem], renditions: [String: RenditionSet]) -> PhotoView? {
        guard let url = value.urlValue else { return nil }
        let alt = value.objectValue?["alt"]?.stringValue ?? ""
        guard let id = site.urls.mediaId(fromURL: url), let item = media[id] else {
            guard LinkPolicy.isRenderable(url) else { return nil }
            return PhotoView(
                src: url,
                alt: alt,
                srcset: "",
                sources: [],
                sizes: "",
                hasSize: false,
                width: 0,
                height: 0,
                placeholder: "",
                loading: "lazy"
            )
        }
        let made = renditions[id] ?? RenditionSet()
        let jpegs = made.jpegs
        func srcset(_ list: [Rendition]) -> String {
            list.map { "\(site.urls.rendition(fileName: $0.fileName)) \($0.width)w" }.joined(separator: ", ")
        }
        let sizes = "(max-width: 44rem) 100vw, 44rem"
        let shownAlt = alt.isEmpty ? (item.alt ?? "") : alt
        if item.isAnimated {
            // The GIF itself moves; its still rendition is for people who asked for less motion.
            let still =
                jpegs.last.map {
                    [ImageSourceView(type: "", media: "(prefers-reduced-motion: reduce)", srcset: site.urls.rendition(fileName: $0.fileName))]
                } ?? []
            return PhotoView(
                src: site.urls.original(fileName: item.fileName),
                alt: shownAlt,
                srcset: "",
                sources: still,
                sizes: "",
                hasSize: item.width != nil && item.height != nil,
                width: item.width ?? 0,
                height: item.height ?? 0,
                placeholder: item.placeholder ?? "",
                loading: "lazy"
            )
        }
        if jpegs.isEmpty {
            return PhotoView(
                src: "",
                alt: shownAlt,
                srcset: "",
                sources: [],
                sizes: "",
                hasSize: item.width != nil && item.height != nil,
                width: item.width ?? 0,
                height: item.height ?? 0,
                placeholder: item.placeholder ?? "",
                loading: "lazy",
                isPending: true
            )
        }
        // Smallest files first: a browser takes the first type it supports.
        let sources = [ImageFormat.avif, .webp].compactMap { format -> ImageSourceView? in
            let list = made.images(format)
            return list.isEmpty ? nil : ImageSourceView(type: format.mimeType, media: "", srcset: srcset(list))
        }
        // The largest JPEG up to 1280 px is the fallback src.
        let fallback = made.jpeg(atMost: 1280)
        let largest = jpegs.last
        return PhotoView(
            src: fallback.map { site.urls.rendition(fileName: $0.fileName) } ?? url,
            alt: shownAlt,
            srcset: srcset(jpegs),
            sources: sources,
            sizes: sizes,
            hasSize: largest != nil,
            width: largest?.width ?? 0,
            height: largest?.height ?? 0,
            placeholder: item.placeholder ?? "",
            loading: "lazy"
        )
    }

    /// HTML content keeps its formatting but passes through the sanitiser
    /// (any approved client can send it, and pages share an origin with the
    /// sign-in pages); plain text is escaped and its line breaks kept.
    public func contentHTML(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?: return Self.paragraphs(text)
        case .object(let object)?:
            if let html = object["html"]?.stringValue { return HTMLSanitizer.content.sanitize(html) }
            return Self.paragraphs(object["value"]?.stringValue ?? "")
        default: return ""
        }
    }

    static func paragraphs(_ text: String) -> String {
        let escaped = HTML.escape(text)
        guard !escaped.isEmpty else { return "" }
        if !escaped.utf8.contains(0x0A) { return "<p>" + escaped + "</p>" }
        return escaped.components(separatedBy: "\n\n")
            .map { "<p>" + $0.replacingOccurrences(of: "\n", with: "<br>") + "</p>" }
            .joined(separator: "\n")
    }

}

/// Escaping for HTML text and attribute values.
public enum HTML {
    /// Escapes text for HTML content and attribute values. Works on UTF-8
    /// bytes (every character it replaces is ASCII) and returns the text
    /// untouched when nothing needs escaping, the usual case.
    public static func escape(_ text: String) -> String {
        Escaping.escape(text, apostrophe: "&#39;")
    }
}

/// Byte-level escaping shared by HTML and XML output. Works on the string's
/// contiguous UTF-8 (every character replaced is ASCII): one pass to find out
/// whether anything needs escaping, the usual answer being no, and one that
/// copies the runs between replacements.
enum Escaping {
    private static let ampersand = Array("&amp;".utf8), less = Array("&lt;".utf8), greater = Array("&gt;".utf8),
        quote = Array("&quot;".utf8)

    static func escape(_ text: String, apostrophe: String, dropControl: Bool = false) -> String {
        var text = text
        guard text.withUTF8({ needsWork($0, dropControl: dropControl) }) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        append(text, to: &bytes, apostrophe: Array(apostrophe.utf8), dropControl: dropControl)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text`, escaped, to a byte buffer (the XML writer's, with no string in between).
    static func append(_ text: String, to output: inout [UInt8], apostrophe: [UInt8], dropControl: Bool) {
        var text = text
        text.withUTF8 { buffer in
            guard needsWork(buffer, dropControl: dropControl) else {
                output.append(contentsOf: buffer)
                return
            }
            var start = 0
            for index in 0..<buffer.count {
                let byte = buffer[index]
                let replacement: [UInt8]
                switch byte {
                case UInt8(ascii: "&"): replacement = ampersand
                case UInt8(ascii: "<"): replacement = less
                case UInt8(ascii: ">"): replacement = greater
                case UInt8(ascii: "\""): replacement = quote
                case UInt8(ascii: "'"): replacement = apostrophe
                // Control characters XML 1.0 forbids are dropped rather than breaking the feed.
                case 0x00..<0x20 where dropControl && byte != 0x09 && byte != 0x0A && byte != 0x0D: replacement = []
                default: continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<index]))
                output.append(contentsOf: replacement)
                start = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<buffer.count]))
        }
    }

    private static func needsWork(_ buffer: UnsafeBufferPointer<UInt8>, dropControl: Bool) -> Bool {
        for byte in buffer {
            if byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "'") || (dropControl && byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D)
            {
                return true
            }
        }
        return false
    }
}
