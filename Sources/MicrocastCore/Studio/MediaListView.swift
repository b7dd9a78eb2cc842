import Foundation

/// Every upload, with what became of it.
public struct MediaListView: Sendable {
    /// One upload as the list shows it.
    public struct Row: Sendable {
        public var id: String
        public var name: String
        public var url: String
        public var kind: String
        public var size: String
        public var details: String
        /// `queued`, `processing`, `done` or `failed`: the element's `data-state`.
        public var state: String
        public var failure: String
        public var renditions: [String]
        public var posts: [String]
        public var jobs: String
        public var canRetry: Bool
        public var canDelete: Bool
        public var retryAction: String
        public var deleteAction: String
        /// An episode's or video's transcript, to read and correct; empty for others.
        public var transcriptURL: String = ""
        /// A processed recording can be processed again (its transcript too, unless the owner edited it).
        public var canReprocess: Bool = false
        public var reprocessAction: String = ""

        public init(
            id: String,
            name: String,
            url: String,
            kind: String,
            size: String,
            details: String,
            state: String,
            failure: String,
            renditions: [String],
            posts: [String],
            jobs: String,
            canRetry: Bool,
            canDelete: Bool,
            retryAction: String,
            deleteAction: String
        ) {
            self.id = id
            self.name = name
            self.url = url
            self.kind = kind
            self.size = size
            self.details = details
            self.state = state
            self.failure = failure
            self.renditions = renditions
            self.posts = posts
            self.jobs = jobs
            self.canRetry = canRetry
            self.canDelete = canDelete
            self.retryAction = retryAction
            self.deleteAction = deleteAction
        }
    }

    public var rows: [Row]
    public var hasRows: Bool
    public var eventsURL: String

    public init(rows: [Row], eventsURL: String) {
        self.rows = rows
        hasRows = !rows.isEmpty
        self.eventsURL = eventsURL
    }
}
