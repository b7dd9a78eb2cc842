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
    /// The made captions (WebVTT) for a `<track>`, and their language; empty when there are none.
    public var captionsURL = ""
    public var captionsLanguage = ""
    public var hasCaptions = false
    /// The transcript under the player, a link a caption.
    public var transcript: [TranscriptCueView] = []
    public var hasTranscript = false
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
