import Foundation

/// The studio's import page: a show's feed to import, how the current (or
/// last) import is going, and the old addresses that redirect here.
/// Stored properties only: templates see nothing computed.
public struct ImportPageView: Sendable {
    /// An import as the page shows it.
    public struct Run: Sendable {
        public var feedURL: String
        /// The show's title once the feed is read, its URL until then.
        public var heading: String
        /// `3 of 12 episodes · 45.2 MB`, and the episode being worked on.
        public var progress: String
        public var isRunning: Bool
        /// The summary once it has ended, or why it did not start.
        public var outcome: String
        public var failures: [Failure]
        public var hasFailures: Bool
        public var notes: [String]
        public var hasNotes: Bool

        public init(
            feedURL: String,
            show: String,
            done: Int,
            total: Int,
            bytes: Int64,
            current: String,
            outcome: String?,
            failures: [Failure],
            notes: [String]
        ) {
            self.feedURL = feedURL
            heading = show.isEmpty ? feedURL : show
            progress = "\(done) of \(total) episode\(total == 1 ? "" : "s") · " + String(format: "%.1f MB", Double(bytes) / 1_000_000)
            if outcome == nil && !current.isEmpty { progress += " · now: " + current }
            isRunning = outcome == nil
            self.outcome = outcome ?? ""
            self.failures = failures
            hasFailures = !failures.isEmpty
            self.notes = notes
            hasNotes = !notes.isEmpty
        }
    }

    /// An item that did not come in, and why.
    public struct Failure: Sendable {
        public var title: String
        public var reason: String

        public init(title: String, reason: String) {
            self.title = title
            self.reason = reason
        }
    }

    /// One old address and where it leads.
    public struct Row: Sendable {
        public var path: String
        public var target: String
        public var targetURL: String
    }

    public var action: String
    public var csrf: String
    public var run: Run?
    public var isRunning: Bool
    public var redirects: [Row]
    public var hasRedirects: Bool

    public init(action: String, csrf: String, run: Run?, redirects: [Redirect], base: String) {
        self.action = action
        self.csrf = csrf
        self.run = run
        isRunning = run?.isRunning ?? false
        self.redirects = redirects.map { Row(path: $0.path, target: $0.target, targetURL: base + $0.target) }
        hasRedirects = !redirects.isEmpty
    }
}
