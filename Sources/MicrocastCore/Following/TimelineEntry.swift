import Foundation

/// One post from a followed source, as the timeline shows it: whatever the
/// source's format, the same fields, its HTML already sanitised and every
/// address already http(s).
public struct TimelineEntry: Sendable, Equatable, Codable {
    /// The source's own identifier for the post (guid, Atom id, JSON Feed id,
    /// `u-uid`), else its URL: what tells a new post from one seen before.
    public var id: String
    public var url: URL?
    public var title: String?
    /// Sanitised HTML, links resolved against the post.
    public var contentHTML: String?
    public var published: Date?
    public var author: Author?
    public var photos: [URL]
    public var attachments: [Attachment]
    /// What the post answers, likes or reposts, when its source says (microformats).
    public var inReplyTo: URL?

    public init(
        id: String,
        url: URL? = nil,
        title: String? = nil,
        contentHTML: String? = nil,
        published: Date? = nil,
        author: Author? = nil,
        photos: [URL] = [],
        attachments: [Attachment] = [],
        inReplyTo: URL? = nil
    ) {
        self.id = id
        self.url = url
        self.title = title
        self.contentHTML = contentHTML
        self.published = published
        self.author = author
        self.photos = photos
        self.attachments = attachments
        self.inReplyTo = inReplyTo
    }

    /// Who wrote it: the entry's author, else the feed's.
    public struct Author: Sendable, Equatable, Codable {
        public var name: String?
        public var url: URL?
        public var photo: URL?

        public init(name: String? = nil, url: URL? = nil, photo: URL? = nil) {
            self.name = name
            self.url = url
            self.photo = photo
        }

        var isEmpty: Bool { name == nil && url == nil && photo == nil }
    }

    /// What the entry mostly is, for the timeline's filter: what it plays first, then its pictures.
    public var kind: TimelineKind {
        if attachments.contains(where: { $0.kind == .audio }) { return .audio }
        if attachments.contains(where: { $0.kind == .video }) { return .video }
        return photos.isEmpty ? .text : .photo
    }

    /// Audio or video the post carries (a podcast's episode, a video post).
    public struct Attachment: Sendable, Equatable, Codable {
        /// What plays it: an audio or a video player.
        public enum Kind: String, Sendable, Codable { case audio, video }
        public var kind: Kind
        public var url: URL
        public var type: String?
        public var length: Int64?

        public init(kind: Kind, url: URL, type: String? = nil, length: Int64? = nil) {
            self.kind = kind
            self.url = url
            self.type = type
            self.length = length
        }
    }
}

/// The kinds the timeline can be filtered by.
public enum TimelineKind: String, Sendable, CaseIterable, Codable {
    case text, photo, audio, video
}

/// A followed feed as read: its title, its author, and its entries newest first.
public struct FollowedFeed: Sendable, Equatable {
    public var title: String?
    public var homePage: URL?
    public var entries: [TimelineEntry]

    public init(title: String? = nil, homePage: URL? = nil, entries: [TimelineEntry]) {
        self.title = title
        self.homePage = homePage
        self.entries = entries
    }
}
