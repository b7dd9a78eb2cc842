import Foundation

/// Microformats2 properties: every value is an array, values kept as sent.
public typealias MF2Properties = [String: [JSONValue]]

/// A post, stored as the mf2 properties a client sent plus the few columns the
/// site needs to list it.
public struct Post: Sendable, Equatable, Codable {
    /// Whether the post is shown: drafts are the owner's only; a scheduled
    /// post is published by the server when its `published` date comes.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case published, draft, scheduled

        /// What a create or update makes of `post-status` and the date: a
        /// draft when asked, a scheduled post when dated in the future, else published.
        public static func decide(postStatus: String?, published: Date, now: Date) -> Status {
            if postStatus == "draft" { return .draft }
            return published > now ? .scheduled : .published
        }
    }

    public var id: Int64?
    /// The path segment of the permalink, unique across posts.
    public var slug: String
    public var type: String
    public var properties: MF2Properties
    public var published: Date
    public var updated: Date?
    public var status: Status
    public var deletedAt: Date?
    /// The accounts (`SyndicationAccount.uid`) the owner chose to copy the
    /// post to: kept beside its properties, not among them (it is an
    /// instruction, `mp-syndicate-to`, not something the post says). A copy
    /// exists only while the post is published; the URLs of those that exist
    /// are its `syndication` property.
    public var syndicateTo: [String]

    public init(
        id: Int64? = nil,
        slug: String,
        type: String = "h-entry",
        properties: MF2Properties,
        published: Date,
        updated: Date? = nil,
        status: Status = .published,
        deletedAt: Date? = nil,
        syndicateTo: [String] = []
    ) {
        self.id = id
        self.slug = slug
        self.type = type
        self.properties = properties
        self.published = published
        self.updated = updated
        self.status = status
        self.deletedAt = deletedAt
        self.syndicateTo = syndicateTo
    }

    /// Whether readers see it now: published and not deleted (what a copy elsewhere follows).
    public var isPublic: Bool { status == .published && deletedAt == nil }

    /// What kind of post this reads as, by its richest media.
    public var kind: PostKind {
        if properties["video"]?.isEmpty == false { return .video }
        if properties["audio"]?.isEmpty == false { return .audio }
        if properties["photo"]?.isEmpty == false { return .photo }
        if properties["name"]?.isEmpty == false { return .article }
        return .note
    }

    public func strings(_ name: String) -> [String] {
        (properties[name] ?? []).compactMap(\.stringValue)
    }
}

/// What a post reads as, by its richest media: how the site lists it.
public enum PostKind: String, Sendable, Codable, CaseIterable { case note, article, photo, audio, video }
