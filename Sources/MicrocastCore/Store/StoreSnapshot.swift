import Foundation

/// Every row of a store, table by table, in id order: what `store copy`
/// moves from one database to another, and what a test compares afterwards.
/// Settings hold the site's base URLs and show, so a copied site publishes
/// the same pages.
public struct StoreSnapshot: Sendable, Equatable {
    /// A post with the time its row was made (not part of the post itself).
    public struct PostRow: Sendable, Equatable, Codable {
        public var post: Post
        public var createdAt: Date
        public init(post: Post, createdAt: Date) {
            self.post = post
            self.createdAt = createdAt
        }
    }

    /// Which media a post uses, in order.
    public struct PostMediaRow: Sendable, Equatable, Codable {
        public var postId: Int64
        public var mediaId: String
        public var position: Int
        public init(postId: Int64, mediaId: String, position: Int) {
            self.postId = postId
            self.mediaId = mediaId
            self.position = position
        }
    }

    /// The owner's passphrase hash (one row at most).
    public struct OwnerRow: Sendable, Equatable {
        public var passphraseHash: String
        public var updatedAt: Date
        public init(passphraseHash: String, updatedAt: Date) {
            self.passphraseHash = passphraseHash
            self.updatedAt = updatedAt
        }
    }

    /// A signed-in browser, by the hash of its cookie.
    public struct SessionRow: Sendable, Equatable {
        public var hash: String
        public var csrf: String
        public var signedInAt: Date?
        public var expiresAt: Date
        public init(hash: String, csrf: String, signedInAt: Date?, expiresAt: Date) {
            self.hash = hash
            self.csrf = csrf
            self.signedInAt = signedInAt
            self.expiresAt = expiresAt
        }
    }

    /// An IndieAuth authorization code, by its hash, and when it was redeemed.
    public struct CodeRow: Sendable, Equatable {
        public var code: AuthorizationCode
        public var usedAt: Date?
        public init(code: AuthorizationCode, usedAt: Date?) {
            self.code = code
            self.usedAt = usedAt
        }
    }

    /// A job with the times the queue keeps for it.
    public struct JobRow: Sendable, Equatable {
        public var job: Job
        public var runAfter: Date
        public var leaseUntil: Date?
        public var createdAt: Date
        public var updatedAt: Date
        public init(job: Job, runAfter: Date, leaseUntil: Date?, createdAt: Date, updatedAt: Date) {
            self.job = job
            self.runAfter = runAfter
            self.leaseUntil = leaseUntil
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }
    }

    public var posts: [PostRow] = []
    public var postMedia: [PostMediaRow] = []
    public var media: [MediaItem] = []
    public var renditions: [Rendition] = []
    public var tokens: [AccessToken] = []
    public var owner: OwnerRow?
    public var sessions: [SessionRow] = []
    public var codes: [CodeRow] = []
    public var settings: [String: String] = [:]
    public var ingests: [IngestRecord] = []
    public var jobs: [JobRow] = []
    public var mentions: [Mention] = []
    public var downloads: [DownloadCount] = []
    public var sentMentions: [SentMention] = []
    public var citations: [Citation] = []
    /// Accounts elsewhere, credentials included: a store copy is the same site.
    public var syndicationAccounts: [SyndicationAccount] = []
    public var copies: [SyndicationCopy] = []
    public var followers: [Follower] = []
    public var redirects: [Redirect] = []
    public var follows: [Follow] = []
    public var timeline: [TimelineItem] = []
    /// Transcripts' cues (made and edited), which their files alone cannot give back.
    public var transcripts: [StoredTranscript] = []

    public init() {}

    /// Rows per table, for progress and reports.
    public var counts: KeyValuePairs<String, Int> {
        [
            "posts": posts.count, "post media": postMedia.count, "media": media.count, "renditions": renditions.count,
            "tokens": tokens.count, "owner": owner == nil ? 0 : 1, "sessions": sessions.count, "authorization codes": codes.count,
            "settings": settings.count, "ingests": ingests.count, "jobs": jobs.count, "mentions": mentions.count,
            "sent mentions": sentMentions.count, "citations": citations.count, "downloads": downloads.count,
            "syndication accounts": syndicationAccounts.count, "copies": copies.count, "followers": followers.count,
            "redirects": redirects.count, "transcripts": transcripts.count,
        ]
    }

    public var isEmpty: Bool { counts.allSatisfy { $0.value == 0 } }

    /// Both stores keep times to the millisecond; the same instant read back
    /// from each may differ below that in its floating-point `Date`.
    public func atMilliseconds() -> StoreSnapshot {
        func ms(_ date: Date) -> Date { Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000) }
        func ms(_ date: Date?) -> Date? { date.map { ms($0) } }
        var copy = self
        copy.posts = posts.map { row in
            var row = row
            row.post.published = ms(row.post.published)
            row.post.updated = ms(row.post.updated)
            row.post.deletedAt = ms(row.post.deletedAt)
            row.createdAt = ms(row.createdAt)
            return row
        }
        copy.media = media.map { item in
            var item = item
            item.createdAt = ms(item.createdAt)
            return item
        }
        copy.tokens = tokens.map { token in
            var token = token
            token.createdAt = ms(token.createdAt)
            token.expiresAt = ms(token.expiresAt)
            token.revokedAt = ms(token.revokedAt)
            token.lastUsedAt = ms(token.lastUsedAt)
            return token
        }
        copy.owner = owner.map { OwnerRow(passphraseHash: $0.passphraseHash, updatedAt: ms($0.updatedAt)) }
        copy.sessions = sessions.map { SessionRow(hash: $0.hash, csrf: $0.csrf, signedInAt: ms($0.signedInAt), expiresAt: ms($0.expiresAt)) }
        copy.codes = codes.map { row in
            var row = row
            row.code.expiresAt = ms(row.code.expiresAt)
            row.usedAt = ms(row.usedAt)
            return row
        }
        copy.ingests = ingests.map { IngestRecord(hash: $0.hash, source: $0.source, postSlug: $0.postSlug, createdAt: ms($0.createdAt)) }
        copy.syndicationAccounts = syndicationAccounts.map { account in
            var account = account
            account.connectedAt = ms(account.connectedAt)
            if var limits = account.limits {
                limits.fetchedAt = ms(limits.fetchedAt)
                account.limits = limits
            }
            return account
        }
        copy.followers = followers.map { row in
            var row = row
            row.followedAt = ms(row.followedAt)
            return row
        }
        copy.redirects = redirects.map { Redirect(path: $0.path, target: $0.target, createdAt: ms($0.createdAt)) }
        copy.copies = copies.map { row in
            var row = row
            row.postedAt = ms(row.postedAt)
            row.updatedAt = ms(row.updatedAt)
            return row
        }
        copy.mentions = mentions.map { mention in
            var mention = mention
            mention.published = ms(mention.published)
            mention.receivedAt = ms(mention.receivedAt)
            mention.updatedAt = ms(mention.updatedAt)
            return mention
        }
        copy.jobs = jobs.map { row in
            JobRow(
                job: row.job,
                runAfter: ms(row.runAfter),
                leaseUntil: ms(row.leaseUntil),
                createdAt: ms(row.createdAt),
                updatedAt: ms(row.updatedAt)
            )
        }
        return copy
    }
}

/// Why a copy between stores did not start.
public enum StoreCopyError: Error, CustomStringConvertible, Equatable {
    case targetNotEmpty(String)

    public var description: String {
        switch self {
        case .targetNotEmpty(let what): "the target store is not empty (it has \(what)); copy only into a new database"
        }
    }
}
