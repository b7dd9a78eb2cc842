import Foundation

/// Open Graph and Twitter card values: what social networks show for a link.
public struct OpenGraphView: Sendable {
    public var type: String
    public var title: String
    public var description: String
    public var url: String
    public var image: String
    public var imageAlt: String
    public var audio: String
    public var audioType: String
    public var video: String
    public var videoType: String
    public var twitterCard: String

    public init(
        type: String,
        title: String,
        description: String,
        url: String,
        image: String,
        imageAlt: String,
        audio: String,
        audioType: String,
        video: String,
        videoType: String,
        twitterCard: String
    ) {
        self.type = type
        self.title = title
        self.description = description
        self.url = url
        self.image = image
        self.imageAlt = imageAlt
        self.audio = audio
        self.audioType = audioType
        self.video = video
        self.videoType = videoType
        self.twitterCard = twitterCard
    }
}

/// Links to the newer and older pages of a timeline.
public struct PagingView: Sendable {
    public var newerURL: String
    public var olderURL: String
    public var hasPaging: Bool

    public init(newerURL: String?, olderURL: String?) {
        self.newerURL = newerURL ?? ""
        self.olderURL = olderURL ?? ""
        hasPaging = newerURL != nil || olderURL != nil
    }
}

/// A podcast app's way to subscribe by the feed's URL.
public struct SubscribeLinkView: Sendable {
    public var name: String
    public var url: String
}

/// The podcast page's show block.
public struct ShowPageView: Sendable {
    public var title: String
    public var description: String
    public var author: String
    public var artworkURL: String
    public var links: [SubscribeLinkView]

    public init(title: String, description: String, author: String, artworkURL: String, links: [SubscribeLinkView]) {
        self.title = title
        self.description = description
        self.author = author
        self.artworkURL = artworkURL
        self.links = links
    }

    /// Every feed, and the "add by URL" links of the big podcast apps.
    public static func subscribeLinks(feedURL: String, jsonFeedURL: String) -> [SubscribeLinkView] {
        let bare = feedURL.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
        let encoded = feedURL.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? feedURL
        return [
            SubscribeLinkView(name: "RSS feed", url: feedURL),
            SubscribeLinkView(name: "JSON Feed", url: jsonFeedURL),
            SubscribeLinkView(name: "Apple Podcasts", url: "podcast://" + bare),
            SubscribeLinkView(name: "Overcast", url: "overcast://x-callback-url/add?url=" + encoded),
            SubscribeLinkView(name: "Pocket Casts", url: "pktc://subscribe/" + bare),
            SubscribeLinkView(name: "AntennaPod", url: "https://antennapod.org/deeplink/subscribe?url=" + encoded),
            SubscribeLinkView(name: "Castro", url: "castro://subscribe/" + bare),
            SubscribeLinkView(name: "Podcast Addict", url: "podcastaddict://" + bare),
        ]
    }
}

/// A thumbnail in the photos grid, linking to its post.
public struct GridItemView: Sendable {
    public var postURL: String
    public var src: String
    public var alt: String
    public var width: Int
    public var height: Int
    public var placeholder: String
    public var loading: String

    public init(postURL: String, src: String, alt: String, width: Int, height: Int, placeholder: String, loading: String) {
        self.postURL = postURL
        self.src = src
        self.alt = alt
        self.width = width
        self.height = height
        self.placeholder = placeholder
        self.loading = loading
    }
}

/// A chapter link under an episode's player.
public struct ChapterView: Sendable {
    public var title: String
    public var time: String
    public var seconds: Int
    public var href: String
}

/// One caption of a transcript on the page: a link that seeks the player to it.
public struct TranscriptCueView: Sendable {
    public var text: String
    public var time: String
    /// Whole seconds, for `?t=` and the player.
    public var seconds: Int
    /// Fractional seconds, where the seek goes.
    public var start: String
}

/// An episode's waveform as inline SVG: peaks drawn as bars, no script needed.
public enum WaveformSVG {
    /// `data` is min/max pairs of 8-bit peaks (audiowaveform's format).
    public static func render(_ data: [Int], bars: Int = 120) -> String {
        let pairs = data.count / 2
        guard pairs > 0 else { return "" }
        var peaks: [Int] = []
        let step = Double(pairs) / Double(min(bars, pairs))
        var position = 0.0
        while Int(position) < pairs && peaks.count < bars {
            let start = Int(position)
            let end = min(pairs, max(start + 1, Int(position + step)))
            var peak = 0
            for index in start..<end { peak = max(peak, abs(data[index * 2]), abs(data[index * 2 + 1])) }
            peaks.append(min(128, peak))
            position += step
        }
        let rects = peaks.enumerated().map { index, peak in
            let height = max(1, peak * 40 / 128)
            return "<rect x=\"\(index * 3)\" y=\"\(20 - height / 2)\" width=\"2\" height=\"\(height)\"/>"
        }.joined()
        return
            "<svg class=\"waveform\" viewBox=\"0 0 \(peaks.count * 3) 40\" preserveAspectRatio=\"none\" aria-hidden=\"true\" fill=\"currentColor\">\(rects)</svg>"
    }
}
