import Foundation

/// The studio's list of followed sources: each with its feed, when it was
/// last read and how that went, and the owner's actions.
public struct FollowingPageView: Sendable {
    /// One followed source.
    public struct Row: Sendable {
        public var address: String
        public var title: String
        public var feedURL: String
        public var format: String
        public var lastPolled: String
        public var nextPoll: String
        /// "ok", or the last failure's reason with how many in a row.
        public var status: String
        public var isFailing: Bool
        public var push: String
        public var timelineURL: String

        public init(_ follow: Follow, push: PushSubscription?, timelineURL: String) {
            address = follow.address
            title = follow.title ?? follow.address
            feedURL = follow.feed.url.absoluteString
            format = follow.feed.format.rawValue
            lastPolled = follow.lastPolledAt.map(DateText.long) ?? "not yet"
            nextPoll = DateText.long(follow.nextPollAt)
            isFailing = follow.failures > 0
            status =
                follow.failures > 0
                ? "failing (\(follow.failures) in a row): \(follow.lastError ?? "unknown")" : "ok"
            self.push =
                switch push?.state {
                case .active?: "WebSub: pushed at once"
                case .requested?: "WebSub: asked for"
                case .failed?: "WebSub refused: \(push?.lastError ?? "")"
                case nil: follow.feed.hub == nil ? "" : "WebSub: not yet asked"
                }
            self.timelineURL = timelineURL
        }
    }

    public var rows: [Row]
    public var hasRows: Bool
    public var count: Int
    public var action: String
    public var csrf: String
    public var message: String
    public var retention: String
    public var opmlURL: String

    public init(rows: [Row], action: String, csrf: String, message: String, retention: String, opmlURL: String) {
        self.rows = rows
        self.hasRows = !rows.isEmpty
        self.count = rows.count
        self.action = action
        self.csrf = csrf
        self.message = message
        self.retention = retention
        self.opmlURL = opmlURL
    }
}
