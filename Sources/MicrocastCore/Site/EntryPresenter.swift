import Foundation
import HTMLKit
import MediaModel

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
        transcripts: [String: [CaptionCue]] = [:],
        isFirst: Bool = true
    ) -> EntryView {
        // A transcript the owner uploaded wins: shown under the player in place
        // of the made one (when it is a caption file in the library), never beside it.
        var shown = transcripts
        if post.properties["transcript"]?.isEmpty == false {
            let uploaded = (post.properties["transcript"] ?? []).lazy.compactMap { $0.urlValue.flatMap(self.site.urls.mediaId(fromURL:)) }
                .compactMap { transcripts[$0] }.first
            let played = ["audio", "video"].flatMap { post.properties[$0] ?? [] }.compactMap { $0.urlValue.flatMap(self.site.urls.mediaId(fromURL:)) }
            shown = Dictionary(played.map { ($0, uploaded ?? []) }, uniquingKeysWith: { first, _ in first })
        }
        let transcripts = shown
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
                transcripts: transcripts,
                fallbackLabel: name.isEmpty ? "Audio" : name
            ),
            videos: playables(
                post.properties["video"],
                media: media,
                renditions: renditions,
                waveforms: [:],
                transcripts: transcripts,
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
        transcripts: [String: [CaptionCue]] = [:],
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
            var view = PlayableView(
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
            if let captions = made.transcripts.first, case .transcript(.vtt, let language) = captions.role {
                view.captionsURL = site.urls.rendition(fileName: captions.fileName)
                view.captionsLanguage = language
                view.hasCaptions = true
            }
            view.transcript = (id.flatMap { transcripts[$0] } ?? []).map { cue in
                let seconds = Int(cue.start.rounded(.down))
                return TranscriptCueView(text: cue.text, time: DateText.clock(seconds), seconds: seconds, start: String(format: "%.3f", cue.start))
            }
            view.hasTranscript = !view.transcript.isEmpty
            return view
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

    public static func paragraphs(_ text: String) -> String {
        let escaped = HTML.escape(text)
        guard !escaped.isEmpty else { return "" }
        if !escaped.utf8.contains(0x0A) { return "<p>" + escaped + "</p>" }
        return escaped.components(separatedBy: "\n\n")
            .map { "<p>" + $0.replacingOccurrences(of: "\n", with: "<br>") + "</p>" }
            .joined(separator: "\n")
    }

}
