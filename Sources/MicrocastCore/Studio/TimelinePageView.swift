import Foundation

/// The studio's timeline: what the followed sources posted, newest first,
/// each item with the owner's ways to answer it.
public struct TimelinePageView: Sendable {
    /// One item as the page shows it; every address already passed `LinkPolicy`.
    public struct Item: Sendable {
        public var id: Int64
        public var source: String
        public var authorName: String
        public var authorURL: String
        /// Through the studio's picture proxy (the safe fetcher), or empty.
        public var authorPhoto: String
        public var authorInitial: String
        public var title: String
        public var url: String
        public var contentHTML: String
        public var published: String
        public var publishedText: String
        public var photos: [Picture]
        public var audio: [Playable]
        public var video: [Playable]
        /// Not seen before, here or in a reader app.
        public var isNew: Bool
        /// Only an item with a web address can be answered.
        public var canAnswer: Bool
        /// A name for the item in its buttons' labels ("Like Ada's post …").
        public var label: String
    }

    /// A photo of an item, through the picture proxy.
    public struct Picture: Sendable {
        public var src: String
    }

    /// Audio or video an item carries.
    public struct Playable: Sendable {
        public var url: String
        public var type: String
    }

    /// A choice in the filters (a source, a kind), marked when chosen.
    public struct Choice: Sendable {
        public var value: String
        public var label: String
        public var isChosen: Bool

        public init(value: String, label: String, isChosen: Bool) {
            self.value = value
            self.label = label
            self.isChosen = isChosen
        }
    }

    public var items: [Item]
    public var hasItems: Bool
    public var sources: [Choice]
    public var kinds: [Choice]
    public var respondAction: String
    public var csrf: String
    /// The next page's address, empty on the last page.
    public var olderURL: String
    public var message: String
    public var followingURL: String

    public init(
        items: [Item],
        sources: [Choice],
        kinds: [Choice],
        respondAction: String,
        csrf: String,
        olderURL: String,
        message: String,
        followingURL: String
    ) {
        self.items = items
        self.hasItems = !items.isEmpty
        self.sources = sources
        self.kinds = kinds
        self.respondAction = respondAction
        self.csrf = csrf
        self.olderURL = olderURL
        self.message = message
        self.followingURL = followingURL
    }
}

extension TimelinePageView.Item {
    /// `picture` turns a remote image's address into the proxy's.
    public init(_ item: TimelineItem, source: String, picture: (URL) -> String) {
        let entry = item.entry
        id = item.id
        self.source = source
        let name = entry.author?.name ?? source
        authorName = name
        authorURL = entry.author?.url.flatMap { LinkPolicy.renderable($0.absoluteString) } ?? ""
        authorPhoto = entry.author?.photo.flatMap { LinkPolicy.isRenderable($0.absoluteString) ? picture($0) : nil } ?? ""
        authorInitial = name.first.map { String($0).uppercased() } ?? "?"
        title = entry.title ?? ""
        url = entry.url.flatMap { LinkPolicy.renderable($0.absoluteString) } ?? ""
        contentHTML = entry.contentHTML ?? ""
        published = ISO8601DateFormatter().string(from: item.sortDate)
        publishedText = DateText.long(item.sortDate)
        photos = entry.photos.filter { LinkPolicy.isRenderable($0.absoluteString) }.map { TimelinePageView.Picture(src: picture($0)) }
        func playable(_ kind: TimelineEntry.Attachment.Kind) -> [TimelinePageView.Playable] {
            entry.attachments.filter { $0.kind == kind }.compactMap { attachment in
                LinkPolicy.renderable(attachment.url.absoluteString).map { TimelinePageView.Playable(url: $0, type: attachment.type ?? "") }
            }
        }
        audio = playable(.audio)
        video = playable(.video)
        isNew = !item.isRead
        canAnswer = !url.isEmpty
        let words = title.isEmpty ? String(PostBuilder.stripTags(contentHTML).prefix(40)) : title
        label = words.isEmpty ? "\(name)'s post" : "\(name)'s post “\(words)”"
    }
}
