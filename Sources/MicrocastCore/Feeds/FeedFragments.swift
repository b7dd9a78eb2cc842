import Synchronization

/// Each feed item's XML as last rendered, so a feed re-rendered after one
/// change writes the changed items and copies the rest: a new post renders
/// one `<item>`, not ten thousand. An item is keyed by its guid and a hash of
/// everything its XML is made of (the whole `FeedItem`, and the show's
/// explicit flag an episode may inherit), so a changed item is rendered
/// again; the key holds no copy of the item, so the cache costs about the
/// XML itself. Each rendering keeps only the items it used, so the cache
/// holds one feed's worth per kind.
public final class FeedFragments: Sendable {
    /// Which feed an item was written for: the same item is different XML in each.
    public enum Kind: Sendable, Hashable {
        case podcastRSS(showExplicit: Bool)
        case postsRSS
    }

    struct Key: Hashable {
        let guid: String
        let content: Int
        let kind: Kind

        init(_ item: FeedItem, _ kind: Kind) {
            guid = item.guid
            content = item.hashValue
            self.kind = kind
        }
    }

    private let cached = Mutex<[Key: [UInt8]]>([:])

    public init() {}

    /// The items' XML, each from the cache or from `render`, in order; the
    /// cache then holds exactly these items (of every kind but `kind`'s, as it was).
    func pieces(_ items: [FeedItem], kind: Kind, render: (FeedItem) -> [UInt8]) -> [[UInt8]] {
        let known = cached.withLock { cache in items.map { cache[Key($0, kind)] } }
        var used: [Key: [UInt8]] = [:]
        used.reserveCapacity(items.count)
        let pieces = zip(items, known).map { item, known in
            let piece = known ?? render(item)
            used[Key(item, kind)] = piece
            return piece
        }
        cached.withLock { cache in
            cache = cache.filter { key, _ in !Self.sameFeed(key.kind, kind) }
            cache.merge(used) { _, new in new }
        }
        return pieces
    }

    /// Whether two kinds are the same feed (a podcast feed whose explicit flag changed is still the podcast feed).
    static func sameFeed(_ a: Kind, _ b: Kind) -> Bool {
        switch (a, b) {
        case (.podcastRSS, .podcastRSS), (.postsRSS, .postsRSS): true
        default: false
        }
    }

    /// How many items' XML is kept.
    public var count: Int { cached.withLock { $0.count } }
}
