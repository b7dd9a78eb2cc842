import Foundation

/// One post to bring in, whatever it came from (a podcast episode, a
/// WordPress post, a JSON Feed item): its properties as a Micropub client
/// would send them, the files it uses, its old address, and the responses
/// it had there.
public struct ImportItem: Sendable, Equatable {
    /// Where a file is had: fetched through the safe fetcher, or read from a folder the owner named.
    public enum Source: Sendable, Equatable {
        case url(URL)
        case file(URL)

        public var name: String {
            switch self {
            case .url(let url): url.absoluteString
            case .file(let url): url.path
            }
        }
    }

    /// Where a stored file's URL goes.
    public enum Placement: Sendable, Equatable {
        /// Added to a property (`photo`, `chapters`, `transcript`).
        case property(String)
        /// The episode's sound or pictures: `audio` or `video` by what it turns out to be; anything else fails the item.
        case recording
        /// Only the content shows it (`replaces`).
        case content
    }

    /// A file the post uses, stored as an upload is, then named by our URL.
    public struct File: Sendable, Equatable {
        public var source: Source
        public var placement: Placement
        /// Text in the content replaced by our URL (the old addresses of an image the post shows).
        public var replaces: [String]
        public var alt: String?
        /// Without it the item is not imported (an episode's recording);
        /// any other file that cannot be had is left out with a note.
        public var isRequired: Bool
        /// What the owner reads in a note about it ("artwork", "chapters").
        public var role: String

        public init(source: Source, placement: Placement, replaces: [String] = [], alt: String? = nil, isRequired: Bool = false, role: String) {
            self.source = source
            self.placement = placement
            self.replaces = replaces
            self.alt = alt
            self.isRequired = isRequired
            self.role = role
        }
    }

    /// What the item is remembered by, so a second run finds it (an episode's guid, a WordPress post's id).
    public var key: String
    /// What the owner reads in progress and failures.
    public var title: String
    public var create: MicropubCreate
    public var files: [File]
    /// Its addresses at its old home (a permalink, a `?p=123` shortlink), each redirected here.
    public var oldURLs: [URL]
    /// Comments it had at its old home, kept as responses to the post.
    public var responses: [ImportedResponse]

    public init(key: String, title: String, create: MicropubCreate, files: [File], oldURLs: [URL] = [], responses: [ImportedResponse] = []) {
        self.key = key
        self.title = title
        self.create = create
        self.files = files
        self.oldURLs = oldURLs
        self.responses = responses
    }
}

/// A comment from the old site, kept as a reply to the imported post.
public struct ImportedResponse: Sendable, Equatable {
    /// Stable across runs: the old site's comment id, with the item's key.
    public var id: String
    public var authorName: String
    public var authorURL: String?
    public var published: Date
    /// Sanitised as any stranger's HTML is.
    public var contentHTML: String

    public init(id: String, authorName: String, authorURL: String?, published: Date, contentHTML: String) {
        self.id = id
        self.authorName = authorName
        self.authorURL = authorURL
        self.published = published
        self.contentHTML = contentHTML
    }
}

/// The content's text with each file's old addresses replaced by ours.
public enum ImportedContent {
    public static func rewrite(_ create: MicropubCreate, replacing pairs: [(old: String, new: String)]) -> MicropubCreate {
        guard !pairs.isEmpty, let content = create.properties["content"]?.first, case .object(var object) = content,
            let html = object["html"]?.stringValue
        else { return create }
        var text = html
        // Longest first: an image's sized copy (`bread-1024x768.jpg`) before a name it starts with.
        for (old, new) in pairs.sorted(by: { $0.old.count > $1.old.count }) where !old.isEmpty {
            text = text.replacingOccurrences(of: old, with: new)
            let escaped = HTML.escape(old)
            if escaped != old { text = text.replacingOccurrences(of: escaped, with: new) }
        }
        object["html"] = .string(text)
        var changed = create
        changed.properties["content"] = [.object(object)] + (create.properties["content"] ?? []).dropFirst()
        return changed
    }
}
